#!/usr/bin/env bash
# bench_store_smoke: messenger-store-bench appends a few thousand messages to a real SQLite file;
# its JSON must account for them, whole and in slices, and it must leave no database behind,
# after a run, a refused --dir or an interruption. No figure is judged.
set -euo pipefail
tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
leftovers() { find "$work" -mindepth 1 -maxdepth 1 -name 'messenger-store-bench-*'; }

"$tool" --dir "$work" --messages 3000 --batch 30 --users 100 --report-every 1000 \
  --client-ids ordered --json "$work/out.json"
python3 - "$work/out.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["scenario"] == "store" and out["messages"] == 3000 and out["conversations"] == 50, out
assert out["client_ids"] == "ordered" and out["report_every"] == 1000, out
assert out["messages_per_second"] > 0 and out["cpu_us_per_message"] > 0, out
# null where the kernel does not count writes (/proc/self/io); 0 on tmpfs
assert out["written_bytes_per_message"] is None or out["written_bytes_per_message"] >= 0, out
slices = out["slices"]
assert sum(s["messages"] for s in slices) == 3000, slices
assert [s["stored_before"] for s in slices] == [0] + [sum(x["messages"] for x in slices[:k]) for k in range(1, len(slices))], slices
PY
[[ -z $(leftovers) ]] || { echo "left behind after a run: $(leftovers)" >&2; exit 1; }

# A --dir that does not exist is refused, and not created.
if "$tool" --dir "$work/missing/deeper" --messages 10 2>"$work/err"; then
  echo "a missing --dir was accepted" >&2; exit 1
fi
grep -q "is not a directory" "$work/err" || { cat "$work/err" >&2; exit 1; }
[[ ! -e "$work/missing" ]] || { echo "a missing --dir was created" >&2; exit 1; }

# Interrupted mid-run: it says so, fails, and removes its database.
"$tool" --dir "$work" --messages 100000000 --batch 10 --users 100 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do [[ -n $(leftovers) ]] && break; sleep 0.05; done
sleep 0.5
kill -INT "$pid"
if wait "$pid"; then echo "an interrupted run exited 0" >&2; exit 1; fi
grep -q "interrupted" "$work/err" || { cat "$work/err" >&2; exit 1; }
[[ -z $(leftovers) ]] || { echo "left behind after an interruption: $(leftovers)" >&2; exit 1; }
echo "bench_store_smoke: ok"
