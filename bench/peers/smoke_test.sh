#!/usr/bin/env bash
# CTest bench_xmpp_smoke: the generator's XMPP mode against each installed peer (ejabberd,
# Prosody; bench/peers/install.sh): a private instance, 20 accounts registered in-band, chat
# (20 clients, 100 msg/s, 2 s), fanout (10 members, 10 msg/s) and connect (20 connections), each
# with --check, then the instance is stopped by PID. Exit 77 (skipped) when neither is installed.
# Usage: smoke_test.sh BENCH_BINARY
set -euo pipefail
bench=$1
here=$(cd "$(dirname "$0")" && pwd)
peers=()
# Debian's packages: ejabberd.sh runs erl with ejabberd's code, prosody.sh runs /usr/bin/prosody.
if [[ -x /usr/sbin/ejabberdctl ]] && command -v erl >/dev/null; then peers+=(ejabberd); fi
if [[ -x /usr/bin/prosody ]] && command -v lua5.4 >/dev/null; then peers+=(prosody); fi
if [[ ${#peers[@]} -eq 0 ]]; then
  echo "no XMPP peer installed (bench/peers/install.sh): skipped"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-xmpp-smoke.XXXXXX")
current=""
cleanup() {
  [[ -n $current ]] && "$here/$current.sh" stop "$work/$current" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

for peer in "${peers[@]}"; do
  current=$peer
  "$here/$peer.sh" start "$work/$peer" >/dev/null
  source "$work/$peer/peer.env"
  echo "$peer pid $PEER_PID port $PEER_PORT"
  x=(--protocol xmpp --xmpp-host "127.0.0.1:$PEER_PORT" --server-pid "$PEER_PID" --check)
  timeout 60 "$bench" setup "${x[@]}" --users 20
  out=$(timeout 60 "$bench" chat "${x[@]}" --clients 20 --rate 100 --duration 2 --warmup 1)
  echo "$out"
  grep -Eq ' send_lag_p50=[0-9.]+ms p99=' <<<"$out"
  timeout 60 "$bench" fanout "${x[@]}" --members 10 --rate 10 --duration 2 --warmup 1
  timeout 60 "$bench" connect "${x[@]}" --connections 20 --hold 1
  "$here/$peer.sh" stop "$work/$peer"
  current=""
done
echo "bench_xmpp_smoke passed"
