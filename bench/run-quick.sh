#!/usr/bin/env bash
# A first quick measurement of messenger-server on this machine (issue 2); the full benchmark
# with the peers is issue 5. Starts a fresh server (temporary data directory, port 0, cheap
# password hashing, no practical rate limit), runs `connect` with 1,000 connections (password
# logins, then token resumes) and `chat` with 100 clients (closed loop, then fixed rates), prints
# the summaries and stops the server by its PID. Loopback only. STORE=ferretdb or a mongodb://
# URI runs the same on the MongoDB store (issue 3).
#
# Usage: bench/run-quick.sh [--build]
#   --build        configure and build the release preset's messenger-server and messenger-bench
# Environment:
#   BUILD_DIR      build tree with server/messenger-server and bench/messenger-bench
#                  (default: build/release)
#   OUT_DIR        where the JSON results go (default: BUILD_DIR/bench-results/DATE)
#   RATES          fixed offered rates for chat, msg/s (default: "1000 5000")
#   DURATION       measured seconds per chat run (default: 10)
#   SYNC           the server's --sqlite-synchronous (default: the server's own default;
#                  SQLite store only)
#   STORE          the server's store (issue 3): "sqlite" (default, the embedded store in the
#                  temporary data directory); "mongodb://HOST:PORT/DB" (passed as --store; use an
#                  empty database: setup reuses existing users, so old data would skew the
#                  figures); or "ferretdb": start FerretDB 1.24.2 (tests/ferretdb) on 127.0.0.1,
#                  port 0, data in the temporary directory, use mongodb://127.0.0.1:PORT/bench,
#                  print FerretDB's own CPU time per run (it shares the cores), stop it at exit
#   MESSENGER_FERRETDB  the FerretDB binary for STORE=ferretdb
#                  (default: build/ferretdb/messenger-test-ferretdb, built by tests/ferretdb/build.sh)
#   SERVER_FLAGS   extra server flags, split on spaces (e.g. "--mongo-pool-size 16")
#   USERS          accounts created by setup (default: 1000; connect reuses them round-robin)
#   CONNECT_TIMEOUT  the bench's --connect-timeout, seconds for all logins of a run (default: the
#                  bench's 60; FerretDB needs more: its logins are slow)
#   STOP_TIMEOUT   seconds between SIGTERM and SIGKILL when stopping the server (default: 10)
#   SETTLE_MAX     before each run, wait up to this many seconds (default: 600) until the server
#                  (and FerretDB) used under 5% of a core for a second, so that work left over
#                  from the previous run (a backlog of sends, logouts) does not count in the next
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/server-lib.sh
source "$root/bench/server-lib.sh"

find_binaries "$root" "${1:-}"

store=${STORE:-sqlite}
ferretdb=""
case $store in
  sqlite) ;;
  mongodb://* | mongodb+srv://*) ;;
  ferretdb)
    ferretdb=${MESSENGER_FERRETDB:-$root/build/ferretdb/messenger-test-ferretdb}
    if [[ ! -x $ferretdb ]]; then
      echo "missing $ferretdb (run tests/ferretdb/build.sh or set MESSENGER_FERRETDB)" >&2
      exit 1
    fi
    ;;
  *)
    echo "STORE must be sqlite, ferretdb or a mongodb:// URI, not '$store'" >&2
    exit 1
    ;;
esac

out=${OUT_DIR:-$build_dir/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-quick.XXXXXX")
cleanup() {
  stop_server || true
  stop_ferretdb || true
  # Keep the logs with the results: the work directory goes.
  local log
  for log in server.err ferretdb.err; do
    [[ -s $work/$log ]] && cp "$work/$log" "$out/$log"
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

server_flags=()
[[ -n ${SYNC:-} && $store == sqlite ]] && server_flags+=(--sqlite-synchronous "$SYNC")
if [[ -n $ferretdb ]]; then
  start_ferretdb "$ferretdb" "$work"
  server_flags+=(--store "mongodb://$FERRETDB_ADDR/bench")
  echo "# ferretdb pid $FERRETDB_PID at $FERRETDB_ADDR ($ferretdb)"
elif [[ $store != sqlite ]]; then
  server_flags+=(--store "$store")
fi
# shellcheck disable=SC2206 # split on purpose
[[ -n ${SERVER_FLAGS:-} ]] && server_flags+=(${SERVER_FLAGS})
clk_tck=$(getconf CLK_TCK)
timeout_flags=()
[[ -n ${CONNECT_TIMEOUT:-} ]] && timeout_flags+=(--connect-timeout "$CONNECT_TIMEOUT")

start_server "$server" "$work" "${server_flags[@]}"
echo "# messenger-server pid $SERVER_PID at $SERVER_URL (store ${store}, ${SYNC:-default} sync);" \
  "results in $out"
echo "# $(nproc) cores, $(uname -sr); server and generator share them; load: $(cut -d ' ' -f 1-3 /proc/loadavg)"

# ferretdb_cpu START_TICKS START_NS: FerretDB's CPU time since the start of a step, as
# " ferretdb_cpu=S s (P% of a core over W s)", or nothing without FerretDB.
ferretdb_cpu() {
  [[ -n ${FERRETDB_PID:-} ]] || return 0
  local now_ticks now_ns
  now_ticks=$(cpu_ticks "$FERRETDB_PID")
  now_ns=$(date +%s%N)
  [[ -n $now_ticks ]] || return 0
  awk -v t="$((now_ticks - $1))" -v hz="$clk_tck" -v ns="$((now_ns - $2))" \
    'BEGIN { s = t / hz; w = ns / 1e9; printf " ferretdb_cpu=%.2fs (%.0f%% of a core over %.1fs)", s, 100 * s / w, w }'
}

# settle: wait (up to SETTLE_MAX s) until the server and FerretDB are idle: under 5 CPU ticks
# (50 ms) in one second together.
settle() {
  local waited=0 before after pid ticks
  while ((waited < ${SETTLE_MAX:-600})); do
    before=0
    for pid in ${SERVER_PID:-} ${FERRETDB_PID:-}; do
      ticks=$(cpu_ticks "$pid")
      before=$((before + ${ticks:-0}))
    done
    sleep 1
    after=0
    for pid in ${SERVER_PID:-} ${FERRETDB_PID:-}; do
      ticks=$(cpu_ticks "$pid")
      after=$((after + ${ticks:-0}))
    done
    waited=$((waited + 1))
    ((after - before < 5 * clk_tck / 100)) && break
  done
  ((waited > 1)) && echo "# waited ${waited} s for the server to finish the previous run's work"
  return 0
}

summaries=()
run() {
  local name=$1
  shift
  settle
  local line start_ticks="" start_ns
  [[ -n ${FERRETDB_PID:-} ]] && start_ticks=$(cpu_ticks "$FERRETDB_PID")
  start_ns=$(date +%s%N)
  line=$("$bench" "$@" "${common[@]}" --json "$out/$name.json" --quiet | tail -n 1) || true
  [[ -n $start_ticks ]] && line+=$(ferretdb_cpu "$start_ticks" "$start_ns")
  summaries+=("$name: $line")
  echo "$name: $line"
}

"$bench" setup --url "$SERVER_URL" --admin-password "$BENCH_ADMIN_PASSWORD" --users "${USERS:-1000}" \
  "${timeout_flags[@]}" --state "$out/state.json" | tee "$out/setup.txt"
# A fresh process on the same data: setup's own login burst would otherwise have grown the heap,
# and the connect run would under-count the memory per connection.
stop_server || echo "# warning: the server exited with status $? after SIGTERM"
start_server "$server" "$work" "${server_flags[@]}"
common=(--url "$SERVER_URL" --server-pid "$SERVER_PID" --state "$out/state.json" "${timeout_flags[@]}")
echo "# restarted after setup: pid $SERVER_PID at $SERVER_URL"
[[ -n ${FERRETDB_PID:-} ]] && ferretdb_start_ticks=$(cpu_ticks "$FERRETDB_PID") \
  && ferretdb_start_ns=$(date +%s%N)
run connect-password connect --connections 1000 --auth password --hold 5
run connect-token connect --connections 1000 --auth token --hold 5
run chat-closed-w1 chat --clients 100 --duration "${DURATION:-10}" --window 1
run chat-closed-w8 chat --clients 100 --duration "${DURATION:-10}" --window 8
for rate in ${RATES:-1000 5000}; do
  run "chat-rate-$rate" chat --clients 100 --duration "${DURATION:-10}" --rate "$rate"
done
ferretdb_total=""
[[ -n ${FERRETDB_PID:-} ]] && ferretdb_total=$(ferretdb_cpu "$ferretdb_start_ticks" "$ferretdb_start_ns")

if command -v curl >/dev/null; then
  curl -s "http://$(sed -E 's#ws://([^/]+)/ws#\1#' <<<"$SERVER_URL")/metrics" >"$out/metrics.txt" || true
fi
status=0
stop_server || status=$?
ferretdb_status=""
if [[ -n ${FERRETDB_PID:-} ]]; then
  fstatus=0
  stop_ferretdb || fstatus=$?
  ferretdb_status=", ferretdb exit status: $fstatus"
fi

echo
echo "# summary (store ${store}; server exit status after SIGTERM: $status$ferretdb_status;" \
  "load: $(cut -d ' ' -f 1-3 /proc/loadavg))"
printf '%s\n' "${summaries[@]}"
[[ -n $ferretdb_total ]] && echo "# ferretdb, all runs after setup:$ferretdb_total"
exit 0
