#!/usr/bin/env bash
# The issue 5 measurements of messenger-server on this machine: connect (1,000 and 10,000
# connections, password logins and token resumes; MAX=N adds a run with N), chat (1,000 clients,
# rate steps until saturation) and fanout (200- and 1,000-member channels, rate steps). Each run
# gets a freshly started server on the same data, so that its RSS and CPU figures start from an
# idle process. Prints each summary with the load average at the time; JSON results go to
# OUT_DIR. Loopback only; the server is stopped by its PID.
#
# Usage: bench/run-issue5.sh [--build]
# Environment:
#   BUILD_DIR     build tree with server/messenger-server and bench/messenger-bench
#                 (default: build/release)
#   OUT_DIR       where the JSON results go (default: BUILD_DIR/bench-results/issue5-DATE)
#   USERS         accounts made by setup (default: 10000; the largest connect run uses one each)
#   CONNECTIONS   connect runs (default: "1000 10000")
#   MAX           also a connect run with this many connections (accounts reused), e.g. 19000
#   CHAT_RATES    chat steps, msg/s (default: 1k,2k,5k,10k,20k,50k,100k)
#   FANOUT        "MEMBERS:RATES ..." (default: "200:10,50,100,200,500 1000:5,10,20,50,100")
#   SENDERS       fanout senders (default: 4)
#   DURATION      measured seconds per step (default: 10)
#   ONLY          run only these parts: any of "connect chat fanout" (default: all)
#   SERVER_FLAGS  extra server flags, split on spaces (e.g. "--sqlite-synchronous normal")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/server-lib.sh
source "$root/bench/server-lib.sh"

find_binaries "$root" "${1:-}"

out=${OUT_DIR:-$build_dir/bench-results/issue5-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-issue5.XXXXXX")
cleanup() {
  stop_server || true
  [[ -s $work/server.err ]] && cp "$work/server.err" "$out/server.err"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

only=${ONLY:-connect chat fanout}
server_flags=()
# shellcheck disable=SC2206 # split on purpose
[[ -n ${SERVER_FLAGS:-} ]] && server_flags+=(${SERVER_FLAGS})
duration=${DURATION:-10}
summaries=()
log() {
  summaries+=("$1")
  echo "$1"
}

# run NAME BENCH_ARGS...: a fresh server on the same data, one bench run, its summary lines.
run() {
  local name=$1
  shift
  stop_server || echo "# warning: the server exited with status $? after SIGTERM"
  start_server "$server" "$work" "${server_flags[@]}"
  local lines status=0
  log "# $name: $(date +%T) load $(cut -d ' ' -f 1-3 /proc/loadavg): messenger-bench $*"
  lines=$("$bench" "$@" --url "$SERVER_URL" --server-pid "$SERVER_PID" --state "$out/state.json" \
    --json "$out/$name.json" --quiet) || status=$?
  while IFS= read -r line; do log "$name: $line"; done <<<"$lines"
  ((status == 0)) || log "# $name: exit status $status"
  log "# $name: done $(date +%T) load $(cut -d ' ' -f 1-3 /proc/loadavg)"
}

start_server "$server" "$work" "${server_flags[@]}"
echo "# $(nproc) cores, $(uname -sr), open files: soft $(ulimit -Sn) hard $(ulimit -Hn);" \
  "ephemeral ports $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range); server flags:" \
  "${SERVER_FLAGS:-none}; results in $out"
"$bench" setup --url "$SERVER_URL" --admin-password "$BENCH_ADMIN_PASSWORD" \
  --users "${USERS:-10000}" --state "$out/state.json" | tee "$out/setup.txt"

if [[ " $only " == *" connect "* ]]; then
  for n in ${CONNECTIONS:-1000 10000} ${MAX:-}; do
    for auth in password token; do
      run "connect-$n-$auth" connect --connections "$n" --auth "$auth" --hold 5 \
        --connect-timeout 300
    done
  done
fi
if [[ " $only " == *" chat "* ]]; then
  run chat-1000 chat --clients 1000 --rates "${CHAT_RATES:-1k,2k,5k,10k,20k,50k,100k}" \
    --duration "$duration"
fi
if [[ " $only " == *" fanout "* ]]; then
  for spec in ${FANOUT:-200:10,50,100,200,500 1000:5,10,20,50,100}; do
    members=${spec%%:*}
    run "fanout-$members" fanout --members "$members" --senders "${SENDERS:-4}" \
      --rates "${spec#*:}" --duration "$duration"
  done
fi

status=0
stop_server || status=$?
echo
echo "# summary (server exit status after the last SIGTERM: $status)"
printf '%s\n' "${summaries[@]}"
