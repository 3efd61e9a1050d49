#!/usr/bin/env bash
# CTest bench_smoke_{connect,chat,fanout}: start a messenger-server, run one scenario for a few
# seconds with --check (no errors, everything acknowledged and delivered), stop the server.
# Keeps the tool working; measures nothing. Usage: smoke_test.sh SERVER_BINARY BENCH_BINARY SCENARIO
#   connect  50 password logins with --setup, the same by token through the `idle` alias, then
#            3,000 logins with a 50 ms --connect-timeout that must end (exit 1) with an error
#            summary instead of hanging
#   chat     20 clients, two rate steps (--rates 40,80), 2 s each (low: ASan builds on busy CI),
#            with --latency-log, whose lines must match the deliveries the JSON counts and which
#            report/latency_slices.py must read
#   fanout   a 30-member channel, 3 senders, 20 msg/s (580 deliveries/s), 2 s
set -euo pipefail
server=$1
bench=$2
scenario=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/server-lib.sh
source "$here/server-lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
cleanup() {
  local status=$?
  stop_server || true
  if [[ $status -ne 0 && -f $work/server.err ]]; then
    echo "--- server stderr (last 40 lines) ---" >&2
    tail -n 40 "$work/server.err" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

start_server "$server" "$work"
echo "server pid $SERVER_PID at $SERVER_URL"

common=(--url "$SERVER_URL" --admin-password "$BENCH_ADMIN_PASSWORD" --server-pid "$SERVER_PID")
short=(--duration 2 --warmup 0.5)
# `timeout` ends a hung run well before CTest's own timeout, so the trap still stops the server.
# --check makes the bench exit 1 on failure; the summaries say the same in words.
case $scenario in
  connect)
    line=$(timeout 40 "$bench" connect "${common[@]}" --check --setup --connections 50 --hold 0.5 \
      --state "$work/state.json" --json "$work/connect.json" | tail -n 1)
    echo "$line"
    grep -q ' errors=0 ' <<<"$line"
    grep -q ' ready=50 ' <<<"$line"
    grep -q '"scenario": "connect"' "$work/connect.json"
    line=$(timeout 40 "$bench" idle "${common[@]}" --check --state "$work/state.json" \
      --auth token --connections 50 --hold 0.5 | tail -n 1)
    echo "$line"
    grep -Eq ' ready=50 .* resumes=[1-9][0-9]*/s ' <<<"$line"
    # Logins that outlive --connect-timeout: the run ends, says so and exits 1.
    status=0
    line=$(timeout 30 "$bench" connect "${common[@]}" --state "$work/state.json" \
      --connections 3000 --connect-timeout 0.05 --hold 0 | tail -n 1) || status=$?
    echo "$line"
    if [[ $status -ne 1 ]]; then
      echo "expected exit status 1 after --connect-timeout, got $status (124: it hung)" >&2
      exit 1
    fi
    grep -q 'FAILED: only .* of 3000 connections logged in' <<<"$line"
    grep -q 'within --connect-timeout' <<<"$line"
    ;;
  chat)
    out=$(timeout 60 "$bench" chat "${common[@]}" --check --setup --clients 20 --rates 40,80 \
      "${short[@]}" --json "$work/chat.json" --latency-log "$work/latency.log")
    echo "$out"
    [[ $(grep -c '^step=[12]/2 chat clients=20 .* errors=0 ' <<<"$out") -eq 2 ]]
    grep -Eq ' delivered=[1-9][0-9]*/s .* p999=' <<<"$out"
    grep -Eq ' send_lag_p50=[0-9.]+ms p99=' <<<"$out"
    # The server's own part, from its /metrics: every step stored messages.
    [[ $(grep -Ec ' server_msg_p50=[0-9.]+ms p99=[0-9.]+ms' <<<"$out") -eq 2 ]]
    grep -q '"step": 2' "$work/chat.json"
    grep -q '"send_lag"' "$work/chat.json"
    grep -q '"server_message"' "$work/chat.json"
    # --latency-log: one line per delivery the JSON counts, in both steps, each with a latency.
    logged=$(grep -vc '^#' "$work/latency.log")
    counted=$(python3 -c 'import json, sys
print(sum(s["counts"]["delivered_of_window"] for s in json.load(open(sys.argv[1]))["steps"]))' \
      "$work/chat.json")
    [[ $logged -gt 0 && $logged -eq $counted ]]
    [[ $(awk '!/^#/ && ($1 < 1 || $1 > 2 || $3 <= 0)' "$work/latency.log" | wc -l) -eq 0 ]]
    [[ $(awk '!/^#/ {print $1}' "$work/latency.log" | sort -u | wc -l) -eq 2 ]]
    slices=$(python3 "$here/report/latency_slices.py" "$work/latency.log" --slice-ms 500)
    [[ $(grep -Ec '^step [12]: [1-9][0-9]* deliveries, p50 ' <<<"$slices") -eq 2 ]]
    ;;
  fanout)
    line=$(timeout 60 "$bench" fanout "${common[@]}" --check --setup --members 30 --senders 3 \
      --rate 20 "${short[@]}" --json "$work/fanout.json" | tail -n 1)
    echo "$line"
    grep -q '^fanout members=30 senders=3 .* errors=0 undelivered=0 ' <<<"$line"
    grep -Eq ' delivered=[1-9][0-9]*/s ' <<<"$line"
    grep -Eq ' server_msg_p50=[0-9.]+ms p99=[0-9.]+ms' <<<"$line"
    grep -q '"cpu_us_per_delivery"' "$work/fanout.json"
    ;;
  *)
    echo "unknown scenario '$scenario' (connect, chat or fanout)" >&2
    exit 2
    ;;
esac

status=0
stop_server || status=$?
if [[ $status -ne 0 ]]; then
  echo "messenger-server exited with status $status after SIGTERM" >&2
  cat "$work/server.err" >&2
  exit 1
fi
echo "bench_smoke $scenario passed"
