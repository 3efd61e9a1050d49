#!/usr/bin/env bash
# bench_store_smoke: messenger-store-bench appends a few thousand messages to a real SQLite file
# and its JSON must report them with a rate and a CPU cost; no figure is judged.
set -euo pipefail
tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tool" --dir "$work" --messages 3000 --batch 20 --users 100 --json "$work/out.json"
python3 - "$work/out.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["scenario"] == "store" and out["messages"] == 3000 and out["conversations"] == 50, out
assert out["messages_per_second"] > 0 and out["cpu_us_per_message"] > 0, out
assert out["written_bytes_per_message"] > 0, out
PY
leftover=$(find "$work" -mindepth 1 -name "messenger-store-bench-*")
[[ -z $leftover ]] || { echo "left behind: $leftover" >&2; exit 1; }
echo "bench_store_smoke: ok"
