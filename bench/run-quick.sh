#!/usr/bin/env bash
# A first quick measurement of messenger-server on this machine (issue 2); the full benchmark
# with the peers is issue 5. Starts a fresh server (temporary data directory, port 0, cheap
# password hashing, no practical rate limit), runs `idle` with 1,000 connections (password
# logins, then token resumes) and `chat` with 100 clients (closed loop, then fixed rates), prints
# the summaries and stops the server by its PID. Loopback only.
#
# Usage: bench/run-quick.sh [--build]
#   --build        configure and build the release preset's messenger-server and messenger-bench
# Environment:
#   BUILD_DIR      build tree with server/messenger-server and bench/messenger-bench
#                  (default: build/release)
#   OUT_DIR        where the JSON results go (default: BUILD_DIR/bench-results/DATE)
#   RATES          fixed offered rates for chat, msg/s (default: "1000 5000")
#   DURATION       measured seconds per chat run (default: 10)
#   SYNC           the server's --sqlite-synchronous (default: the server's own default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/server-lib.sh
source "$root/bench/server-lib.sh"

build_dir=${BUILD_DIR:-$root/build/release}
if [[ ${1:-} == --build ]]; then
  cmake --preset release -S "$root" >/dev/null
  build_dir=$root/build/release
  cmake --build "$build_dir" --target messenger-server messenger-bench -j "${JOBS:-2}"
fi
server=$build_dir/server/messenger-server
bench=$build_dir/bench/messenger-bench
for binary in "$server" "$bench"; do
  if [[ ! -x $binary ]]; then
    echo "missing $binary (build it, pass --build, or set BUILD_DIR)" >&2
    exit 1
  fi
done

out=${OUT_DIR:-$build_dir/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-quick.XXXXXX")
cleanup() {
  stop_server || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

server_flags=()
[[ -n ${SYNC:-} ]] && server_flags+=(--sqlite-synchronous "$SYNC")
start_server "$server" "$work" "${server_flags[@]}"
echo "# messenger-server pid $SERVER_PID at $SERVER_URL (${SYNC:-default} sync); results in $out"
echo "# $(nproc) cores, $(uname -sr); server and generator share them"

summaries=()
run() {
  local name=$1
  shift
  local line
  line=$("$bench" "$@" "${common[@]}" --json "$out/$name.json" --quiet | tail -n 1) || true
  summaries+=("$name: $line")
  echo "$name: $line"
}

"$bench" setup --url "$SERVER_URL" --admin-password "$BENCH_ADMIN_PASSWORD" --users 1000 \
  --state "$out/state.json" | tee "$out/setup.txt"
# A fresh process on the same data: setup's own login burst would otherwise have grown the heap,
# and the idle run would under-count the memory per connection.
stop_server || echo "# warning: the server exited with status $? after SIGTERM"
start_server "$server" "$work" "${server_flags[@]}"
common=(--url "$SERVER_URL" --server-pid "$SERVER_PID" --state "$out/state.json")
echo "# restarted after setup: pid $SERVER_PID at $SERVER_URL"
run idle-password idle --connections 1000 --auth password --hold 5
run idle-token idle --connections 1000 --auth token --hold 5
run chat-closed-w1 chat --clients 100 --duration "${DURATION:-10}" --window 1
run chat-closed-w8 chat --clients 100 --duration "${DURATION:-10}" --window 8
for rate in ${RATES:-1000 5000}; do
  run "chat-rate-$rate" chat --clients 100 --duration "${DURATION:-10}" --rate "$rate"
done

if command -v curl >/dev/null; then
  curl -s "http://$(sed -E 's#ws://([^/]+)/ws#\1#' <<<"$SERVER_URL")/metrics" >"$out/metrics.txt" || true
fi
status=0
stop_server || status=$?

echo
echo "# summary (server exit status after SIGTERM: $status)"
printf '%s\n' "${summaries[@]}"
