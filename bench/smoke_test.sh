#!/usr/bin/env bash
# CTest bench_smoke: start a messenger-server, run `chat` (10 clients, 2 s) and `idle`
# (50 connections) with --check (no errors, everything acknowledged and delivered), stop the
# server. Usage: smoke_test.sh SERVER_BINARY BENCH_BINARY
set -euo pipefail
server=$1
bench=$2
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

common=(--url "$SERVER_URL" --admin-password "$BENCH_ADMIN_PASSWORD" --server-pid "$SERVER_PID"
  --check)
# `timeout` ends a hung run well before CTest's own timeout, so the trap still stops the server.
chat_line=$(timeout 50 "$bench" chat "${common[@]}" --setup --clients 10 --duration 2 --warmup 0.5 \
  --json "$work/chat.json" | tail -n 1)
echo "$chat_line"
idle_line=$(timeout 40 "$bench" idle "${common[@]}" --setup --connections 50 --hold 0.5 \
  --json "$work/idle.json" | tail -n 1)
echo "$idle_line"

# --check made the bench exit 1 on failure; the summaries say the same in words.
grep -q ' errors=0 ' <<<"$chat_line"
grep -Eq ' delivered=[1-9][0-9]*/s ' <<<"$chat_line"
grep -q ' errors=0 ' <<<"$idle_line"
grep -q ' ready=50 ' <<<"$idle_line"

status=0
stop_server || status=$?
if [[ $status -ne 0 ]]; then
  echo "messenger-server exited with status $status after SIGTERM" >&2
  cat "$work/server.err" >&2
  exit 1
fi
echo "bench_smoke passed"
