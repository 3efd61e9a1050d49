#!/usr/bin/env bash
# Installs ejabberd and Prosody from Debian's apt for the XMPP comparison (bench/peers/README.md),
# and gnuplot for bench/compare.sh's latency charts. Not part of the project's install. Their system services must not run: the benchmark starts
# private instances (ejabberd.sh, prosody.sh) as the current user, and a system instance would
# hold the ports and share the two cores. A policy-rc.d that answers 101 ("action forbidden")
# keeps the maintainer scripts from starting them; one that was already there is left as it was.
# Needs root (apt-get).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: run as root (apt-get install needs it)" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# bench/peers/install.sh: forbid starting services during the install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if ((created_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The SQLite drivers back the PEER_STORE=sql variants (MAM in SQLite instead of Mnesia or
# Prosody's file store); gnuplot-nox draws bench/compare.sh's charts (PNG, no X11).
apt-get install -y -qq ejabberd prosody erlang-p1-sqlite3 lua-dbi-sqlite3 gnuplot-nox >/dev/null

# Without systemd, a maintainer script may still have started a daemon directly (not through
# invoke-rc.d). Stop exactly those by the PIDs their own packages' users run.
for user in ejabberd prosody; do
  if id "$user" >/dev/null 2>&1; then
    for pid in $(pgrep -u "$user" || true); do
      echo "install.sh: stopping $user's process $pid started by the package" >&2
      kill "$pid" || true
    done
  fi
done
# epmd (Erlang's port mapper) may have been started for the system ejabberd.
for pid in $(pgrep -x epmd -u epmd 2>/dev/null || true); do kill "$pid" || true; done

dpkg-query -W -f='${Package} ${Version}\n' ejabberd prosody erlang-base lua5.4 gnuplot-nox 2>/dev/null || true
