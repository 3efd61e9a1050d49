#!/usr/bin/env bash
# Issue 5's side-by-side benchmark, from scratch: messenger-server (SQLite store; MongoDB store on
# FerretDB), ejabberd and Prosody (message archive on and off), each a fresh instance on
# loopback stopped by its PID, through the same scenario shapes of messenger-bench:
#   connect  1,000 logins (messenger-server: also by token, and 10,000 in the full run)
#   chat     1,000 clients (500 pairs), offered rate stepped up a 1-2-5 ladder until saturation
#   fanout   one room/channel of 200 and of 1,000 members (full run), 4 senders, rates stepped
# then writes the JSON of every run to OUT_DIR and regenerates the generated section of
# docs/benchmarks.md (between its compare.sh markers) and the charts in docs/images/
# (bench/report/report.py). Builds nothing unless a binary is missing.
#
# usage: bench/compare.sh [--quick] [--servers "NAME ..."] [--out DIR] [--no-docs]
#        bench/compare.sh --report-only DIR      regenerate the docs from an earlier run's DIR
# Servers: messenger-sqlite messenger-mongo ejabberd-on ejabberd-off prosody-on prosody-off
# Environment (the flags win): QUICK=1, SERVERS, OUT_DIR (default build/compare/DATE), DOCS=0,
#   BUILD_DIR (default build/release), MESSENGER_FERRETDB (default build/ferretdb/...),
#   DURATION, WARMUP, DRAIN (seconds per step), MAX_STEPS (rate steps per series),
#   BUDGET (seconds for the whole run; each server gets a share, and skips what would start
#   after it, saying so in the report); for a series of one's own: CONNECTIONS ("1000"),
#   CHAT_RATES ("250 500 1000", instead of the ladder), FANOUT_SIZES ("200"), FANOUT_RATES.
#   PEER_STORE=sql reaches bench/peers/ejabberd.sh and prosody.sh (archive in SQLite).
# Full run: ~16 min on the 2-core machine; --quick: a few minutes (fewer and shorter steps,
# no 10,000 connections, no 1,000-member fanout), marked as such in the report.
# The machine, load averages, versions and every command go into OUT_DIR and the report.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/server-lib.sh
source "$root/bench/server-lib.sh"
# shellcheck source=bench/compare-servers.sh
source "$root/bench/compare-servers.sh"

# The command as given, with the settings that came from the environment, for the report.
invocation=""
for var in QUICK SERVERS OUT_DIR DOCS BUILD_DIR DURATION WARMUP DRAIN MAX_STEPS BUDGET CONNECTIONS \
  CHAT_RATES FANOUT_SIZES FANOUT_RATES PEER_STORE; do
  [[ -n ${!var:-} ]] && invocation+="$var=\"${!var}\" "
done
invocation+="bench/compare.sh${*:+ $*}"
quick=${QUICK:-0}
servers=${SERVERS:-$SERVER_NAMES}
out=${OUT_DIR:-}
docs=${DOCS:-1}
report_only=""
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --servers) servers=$2 && shift ;;
    --out) out=$2 && shift ;;
    --no-docs) docs=0 ;;
    --report-only) report_only=$2 && shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' && exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (see --help)" >&2 && exit 2 ;;
  esac
  shift
done
report=(python3 "$root/bench/report/report.py")
if [[ -n $report_only ]]; then
  exec "${report[@]}" docs "$report_only" "$root/docs/benchmarks.md" "$root/docs/images"
fi
for name in $servers; do
  describe_server "$name" >/dev/null || {
    echo "compare.sh: unknown server '$name' (one of: $SERVER_NAMES)" >&2
    exit 2
  }
done

# What must be installed: the peers and gnuplot come from bench/peers/install.sh (not the
# product's install), FerretDB from tests/ferretdb/build.sh.
missing=()
command -v python3 >/dev/null || missing+=("python3")
((docs)) && ! command -v gnuplot >/dev/null && missing+=("gnuplot (the charts)")
[[ " $servers " == *" ejabberd-"* ]] && ! command -v erl >/dev/null && missing+=("ejabberd")
[[ " $servers " == *" prosody-"* ]] && ! command -v prosody >/dev/null && missing+=("prosody")
if ((${#missing[@]})); then
  echo "compare.sh: missing ${missing[*]}: run bench/peers/install.sh as root (Debian packages" \
    "for the comparison only), or leave those servers out with --servers" >&2
  exit 1
fi
ferretdb=${MESSENGER_FERRETDB:-$root/build/ferretdb/messenger-test-ferretdb}
if [[ " $servers " == *" messenger-mongo "* && ! -x $ferretdb ]]; then
  echo "compare.sh: missing $ferretdb: run tests/ferretdb/build.sh (needs Go), set" \
    "MESSENGER_FERRETDB, or leave messenger-mongo out with --servers" >&2
  exit 1
fi
build_dir=${BUILD_DIR:-$root/build/release}
server=$build_dir/server/messenger-server
bench=$build_dir/bench/messenger-bench
if [[ ! -x $server || ! -x $bench ]]; then
  echo "# building messenger-server and messenger-bench (release preset, no desktop client)"
  cmake --preset release -S "$root" -DMESSENGER_CLIENT=OFF >/dev/null
  cmake --build "$root/build/release" --target messenger-server messenger-bench -j "${JOBS:-2}"
  server=$root/build/release/server/messenger-server
  bench=$root/build/release/bench/messenger-bench
fi

if ((quick)); then
  duration=${DURATION:-3} warmup=${WARMUP:-1} drain=${DRAIN:-2} max_steps=${MAX_STEPS:-3}
  budget=${BUDGET:-600}
else
  # Seven rungs: since stop 17's cheaper generator, messenger-server and ejabberd without its
  # archive can both be clean at 50,000 msg/s, the sixth rung from 1,000 (docs/benchmarks.md);
  # the budget grew with them.
  duration=${DURATION:-5} warmup=${WARMUP:-1} drain=${DRAIN:-3} max_steps=${MAX_STEPS:-7}
  budget=${BUDGET:-1500}
fi
suffix=""
((quick)) && suffix=-quick
out=${out:-$root/build/compare/$(date +%Y%m%d-%H%M%S)$suffix}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")
cleanup() {
  stop_instance || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# The run's facts for the report: what was asked, the machine and versions (at the start and the
# end: load averages), and one line per bench run (runs.tsv).
printf '%s\n' "quick=$quick" "servers=$servers" "duration=$duration" "warmup=$warmup" \
  "drain=$drain" "max_steps=$max_steps" "budget=$budget" \
  "command=$invocation" "peer_store=${PEER_STORE:-default}" >"$out/run.env"
"${report[@]}" meta "$out" start
printf 'server\tresult\tstart\tseconds\tload_before\tload_after\tstatus\tcommand\n' >"$out/runs.tsv"
load1() { cut -d ' ' -f 1 /proc/loadavg; }

# ladder FROM N: N rates of the 1-2-5 ladder from FROM up; the quick run takes every other rung
# (1, 5, 20, 100, ...), so that its fewer steps still reach saturation.
ladder() {
  local from=$1 n=$2 rate rates=() skip=0
  for rate in 1 2 5 10 20 50 100 200 500 1000 2000 5000 10000 20000 50000 100000 200000; do
    ((rate >= from && ${#rates[@]} < n)) || continue
    ((skip)) || rates+=("$rate")
    ((quick)) && skip=$((1 - skip))
  done
  echo "${rates[*]}"
}

# bench_run NAME TIMEOUT ARGS...: one messenger-bench run against the current instance, its JSON
# in OUT_DIR/SERVER/NAME.json, its summary on stdout, a line in runs.tsv. Skipped (a line saying
# so) when the server's share of the budget is spent.
bench_run() {
  local name=$1 limit=$2 status=0 start before started
  shift 2
  local json=$out/$current/$name.json
  local cmd=("$bench" "$@" "${BENCH_TARGET[@]}" --json "$json" --quiet)
  # A run may overshoot the server's share by at most a minute and a half: no run starts after
  # it, and none gets a longer time limit than what is left of it plus 90 s (at least 60 s).
  local left=$((server_deadline - SECONDS + 90))
  ((limit > left)) && limit=$((left > 60 ? left : 60))
  if ((SECONDS > server_deadline)); then
    echo "  $name: skipped, the server's share of the time budget is spent"
    printf '%s\t%s\t%s\t0\t%s\t%s\tskipped\t%s\n' "$current" "$name" "$(date +%T)" "$(load1)" \
      "$(load1)" "${cmd[*]}" >>"$out/runs.tsv"
    return 1
  fi
  start=$SECONDS before=$(load1) started=$(date +%T)
  printf '  [%s load %s] %s\n' "$started" "$before" "$name"
  timeout --kill-after=10 "$limit" "${cmd[@]}" | sed 's/^/    /' || status=$?
  ((status == 0)) || echo "  $name: exit status $status"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$current" "$name" "$started" \
    "$((SECONDS - start))" "$before" "$(load1)" "$status" "${cmd[*]}" >>"$out/runs.tsv"
  [[ -s $json ]]
}

# not_run NAME WHY: a scenario left out of this server's plan, listed in the report.
not_run() {
  echo "  $1: not run: $2"
  printf '%s\t%s\t%s\t0\t%s\t%s\tnot run: %s\t\n' "$current" "$1" "$(date +%T)" "$(load1)" \
    "$(load1)" "$2" >>"$out/runs.tsv"
}

# stepped NAME TIMEOUT RATES SCENARIO_ARGS...: the rate steps of chat or fanout. messenger-server
# runs them in one process (--rates, same connections); the XMPP mode runs one rate per process
# (NAME@RATE.json) and stops after the first saturated one.
stepped() {
  local name=$1 limit=$2 rates=$3 rate
  shift 3
  if [[ $INSTANCE_KIND == messenger ]]; then
    bench_run "$name" "$limit" "$@" --rates "${rates// /,}" || true
    return 0
  fi
  for rate in $rates; do
    # A room of its own per run: the previous run's occupants may still be leaving the last one.
    # shellcheck disable=SC2046 # nothing, or --room and its name
    bench_run "$name@$rate" "$limit" "$@" --rate "$rate" \
      $([[ $name == fanout-* ]] && echo --room "$name-$rate") || break
    "${report[@]}" saturated "$out/$current/$name@$rate.json" && break
  done
  return 0
}

# One server: a fresh instance, accounts, then each scenario (messenger-server restarted on the
# same data before each, so that RSS and CPU start from an idle process).
run_server() {
  current=$1
  mkdir -p "$out/$current"
  local users=1000 clients=1000 fanouts="200 1000" connects="1000" chat_from fan_from
  local steps="--duration $duration --warmup $warmup --drain $drain"
  case $current in
    messenger-sqlite)
      chat_from=1000 fan_from=10
      ((quick)) || connects="1000 10000"
      ;;
    # FerretDB answers most queries by reading whole collections (docs/benchmarks.md, issue 3):
    # 1,000 accounts take minutes to set up, so this store runs a tenth of the shape.
    messenger-mongo) users=100 clients=100 fanouts=50 connects=100 chat_from=10 fan_from=5 ;;
    ejabberd-on) chat_from=200 fan_from=10 ;;
    ejabberd-off) chat_from=1000 fan_from=10 ;;
    prosody-on) chat_from=50 fan_from=1 ;;
    prosody-off) chat_from=200 fan_from=2 ;;
  esac
  ((quick)) && fanouts=${fanouts%% *}
  connects=${CONNECTIONS:-$connects} fanouts=${FANOUT_SIZES:-$fanouts}
  local n max=$clients
  for n in $connects $fanouts; do ((n > max)) && max=$n; done
  ((max > users)) && users=$max
  server_deadline=$((SECONDS + budget * $(share "$current") / weights))
  echo "# $current: $(describe_server "$current"); $(date +%T), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
  if [[ $current == prosody-* && -z ${FANOUT_SIZES:-} && $fanouts == *1000* ]]; then
    # Every MUC join is announced to every occupant: 200 joins took Prosody ~35 s here, 1,000
    # would be ~25 times that (10^6 presences) for each rate step.
    fanouts=${fanouts/1000/}
    not_run fanout-1000 "joining 1,000 occupants to one room means ~10^6 presence stanzas, ~15 min for Prosody here per rate step (200 took ~35 s); FANOUT_SIZES=1000 forces it"
  fi
  start_instance "$current" "$work/$current" "$out/$current/state.json"
  if [[ $INSTANCE_KIND == messenger ]]; then
    bench_run setup 600 setup --users "$users" --admin-password "$BENCH_ADMIN_PASSWORD" \
      --connect-timeout 300 || true
  else
    bench_run setup 300 setup --users "$users" --connect-timeout 240 || true
  fi
  for n in $connects; do
    restart_instance
    bench_run "connect-$n" 300 connect --connections "$n" --hold 5 --connect-timeout 240 || true
    if [[ $INSTANCE_KIND == messenger ]]; then
      restart_instance
      bench_run "connect-$n-token" 300 connect --connections "$n" --auth token --hold 5 \
        --connect-timeout 240 || true
    fi
  done
  restart_instance
  # shellcheck disable=SC2086 # steps splits on purpose
  stepped "chat-$clients" 300 "${CHAT_RATES:-$(ladder "$chat_from" "$max_steps")}" chat --clients "$clients" \
    --connect-timeout 120 $steps
  local members from
  for members in $fanouts; do
    restart_instance
    from=$fan_from
    ((members >= 1000 && from > 1)) && from=$((from / 2))
    # A MUC join is announced to every occupant: 1,000 members are 10^6 presences to deliver
    # before the first message, which is what the longer limit is for.
    # shellcheck disable=SC2086 # steps splits on purpose
    stepped "fanout-$members" "$((members >= 1000 ? 400 : 200))" \
      "${FANOUT_RATES:-$(ladder "$from" "$max_steps")}" \
      fanout --members "$members" --senders 4 --connect-timeout 120 $steps
  done
  stop_instance || echo "# warning: $current exited with status $? after SIGTERM"
  echo "# $current done $(date +%T), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
}

# share NAME: the server's weight in the budget, about the seconds its full run takes here
# (messenger-sqlite: 10,000 connections; peers: new logins per rate, rooms joined per rate).
share() {
  case $1 in
    messenger-sqlite) echo 250 ;;
    messenger-mongo) echo 180 ;;
    prosody-*) echo 230 ;;
    *) echo 205 ;;
  esac
}
read -ra server_list <<<"$servers"
weights=0
for name in "${server_list[@]}"; do weights=$((weights + $(share "$name"))); done
echo "# compare.sh $( ((quick)) && echo quick || echo full) run: ${server_list[*]};" \
  "${duration}s per step, up to $max_steps steps, ${budget}s in all; results in $out"
echo "# $(nproc) cores, $(uname -sr), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
for name in "${server_list[@]}"; do
  run_server "$name"
done
"${report[@]}" meta "$out" end
if ((docs)); then
  "${report[@]}" docs "$out" "$root/docs/benchmarks.md" "$root/docs/images"
else
  "${report[@]}" tables "$out"
fi
echo "# done in $((SECONDS / 60)) min $((SECONDS % 60)) s; results in $out"
