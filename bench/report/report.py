#!/usr/bin/env python3
"""The report side of bench/compare.sh.

usage: report.py meta OUT_DIR start|end          record the machine, versions and load average
       report.py saturated RESULT.json           exit 0 if that step saturated (or failed)
       report.py tables OUT_DIR                  print the tables (also for the JSON of the
                                                 former bench/peers/compare.sh)
       report.py docs OUT_DIR DOCS.md IMAGES_DIR regenerate DOCS.md's compare.sh section and
                                                 the charts IMAGES_DIR/compare-*.png
"""
import json
import pathlib
import sys

import results
import section
import tables

ROOT = pathlib.Path(__file__).resolve().parents[2]


def saturated(path):
    """True when the one-rate run in PATH saturated, failed or left no result."""
    try:
        result = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError):
        return True
    if "fatal" in result or "throughput" not in result:
        return True
    return bool(results.saturation(result, result))


def main(argv):
    if len(argv) == 3 and argv[0] == "meta" and argv[2] in ("start", "end"):
        section.record_meta(argv[1], argv[2], ROOT)
    elif len(argv) == 2 and argv[0] == "saturated":
        return 0 if saturated(argv[1]) else 1
    elif len(argv) == 2 and argv[0] == "tables":
        tables.print_all(results.load(argv[1]))
    elif len(argv) == 4 and argv[0] == "docs":
        drawn = section.write_docs(argv[1], argv[2], argv[3], ROOT)
        print(f"report: regenerated the compare.sh section of {argv[2]}"
              + "".join(f"\nreport: {png}" for png in drawn))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
