#!/usr/bin/env bash
# Runs the XMPP comparison against one peer: a fresh private instance (ejabberd.sh or
# prosody.sh), 1,000 accounts registered in-band, then
#   connect 1,000 connections (logins/s, server RSS per connection)       [IDLE=1]
#   chat    1,000 clients (500 pairs) at RATES msg/s until saturation
#   fanout  one room of MEMBERS occupants, SENDERS of them sending, at FANOUT_RATES msg/s
#                                                                         [FANOUT=1]
# and stops the instance by PID. Saturation: delivered < 90 % of offered, or delivery p99 > 1 s;
# the first saturated rate is the last one run. Every summary line is printed with the load
# average at its start; JSON per run goes to OUT_DIR.
#
# `messenger` instead of a peer runs the same connect, chat and fanout on messenger-server
# (WebSocket, bench/server-lib.sh; fanout in one public channel instead of a MUC room; it always
# persists, so on|off is ignored): MESSENGER_SERVER is its binary (default
# build/release/server/messenger-server).
#
# usage: bench/peers/compare.sh ejabberd|prosody|messenger on|off OUT_DIR [BENCH_BINARY]
# Environment: RATES, FANOUT_RATES, MEMBERS (200), SENDERS (MEMBERS: every member sends in turn,
# as in the first series), USERS (1000), DURATION (10 s), IDLE=0 and
# FANOUT=0 skip those runs, PEER_STORE (see ejabberd.sh, prosody.sh), TAG_SUFFIX names the JSON
# files of a second series.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peer=$1 archive=$2 out=$3
bench=${4:-$here/../../build/release/bench/messenger-bench}
RATES=${RATES:-"1000 2000 5000 10000 20000 40000"}
FANOUT_RATES=${FANOUT_RATES:-"25 50 100 200"}
MEMBERS=${MEMBERS:-200}
SENDERS=${SENDERS:-$MEMBERS}
USERS=${USERS:-1000}
DURATION=${DURATION:-10}
IDLE=${IDLE:-1}
FANOUT=${FANOUT:-1}

mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/xmpp-$peer.XXXXXX")
cleanup() {
  "$here/$peer.sh" stop "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

if [[ $peer == messenger ]]; then
  # shellcheck source=bench/server-lib.sh
  source "$here/../server-lib.sh"
  cleanup() {
    stop_server || true
    rm -rf "$work"
  }
  start_server "${MESSENGER_SERVER:-$here/../../build/release/server/messenger-server}" "$work"
  echo "messenger-server pid=$SERVER_PID url=$SERVER_URL"
  x=(--url "$SERVER_URL" --state "$work/state.json" --admin-password "$BENCH_ADMIN_PASSWORD"
    --server-pid "$SERVER_PID" --quiet)
  tag="messenger-sqlite${TAG_SUFFIX:-}"
else
  "$here/$peer.sh" version
  "$here/$peer.sh" start "$work" --archive "$archive" >/dev/null
  source "$work/peer.env"
  echo "$peer archive=$archive store=$PEER_STORE pid=$PEER_PID port=$PEER_PORT"
  x=(--protocol xmpp --xmpp-host "127.0.0.1:$PEER_PORT" --xmpp-domain "$PEER_DOMAIN"
    --server-pid "$PEER_PID" --quiet)
  tag="$peer-$PEER_STORE-archive-$archive${TAG_SUFFIX:-}"
fi

run() {
  local name=$1
  shift
  printf '[%s load %s] ' "$(date +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  timeout 300 "$bench" "$@" "${x[@]}" --json "$out/$tag-$name.json" || true
}

run setup setup --users "$USERS"
if [[ $IDLE == 1 ]]; then
  run connect connect --connections "$USERS" --hold 5
fi

saturated() {
  python3 - "$1" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except OSError:
    sys.exit(0)
if "fatal" in r:
    sys.exit(0)
offered = r["config"]["offered_rate"] * (r["config"].get("members", 2) - 1)
delivered = r["throughput"]["delivered_per_s"]
p99 = r["latency_ms"]["delivery"]["p99"]
sys.exit(0 if delivered < 0.9 * offered or p99 > 1000 else 1)
PY
}

for rate in $RATES; do
  run "chat-$rate" chat --clients "$USERS" --rate "$rate" --duration "$DURATION" --warmup 2 --drain 5
  if saturated "$out/$tag-chat-$rate.json"; then
    echo "chat saturated at $rate msg/s"
    break
  fi
done

if [[ $FANOUT == 1 ]]; then
  for rate in $FANOUT_RATES; do
    run "fanout-$rate" fanout --members "$MEMBERS" --senders "$SENDERS" --rate "$rate" \
      --duration "$DURATION" --warmup 2 --drain 5 --room "room-$rate"
    if saturated "$out/$tag-fanout-$rate.json"; then
      echo "fanout saturated at $rate msg/s"
      break
    fi
  done
fi
printf '[%s load %s] done\n' "$(date +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"
