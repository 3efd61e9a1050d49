#!/usr/bin/env bash
# A private ejabberd (Debian's package, bench/peers/install.sh) for the XMPP comparison: runs as
# the current user in DIR with its own config, Mnesia spool and logs; c2s on a free port of
# 127.0.0.1 without TLS (SASL PLAIN over plain TCP), in-band registration (XEP-0077) allowed
# from loopback so that `messenger-bench setup --protocol xmpp` creates the accounts, mod_mam
# archiving every message by default (--archive off leaves mod_mam out), and mod_muc on
# conference.localhost. The Erlang VM runs without distribution (no epmd, no node name, no
# cookie): nothing here needs ejabberdctl, and nothing is left behind but DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/peer-lib.sh"

PEER=ejabberd
PEER_DOMAIN=${PEER_DOMAIN:-localhost}
PEER_MUC=conference.$PEER_DOMAIN
PEER_VERSION=$(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null || echo unknown)
# plain: passwords stored as given (ejabberd's upstream default; Debian's file says scram);
# PEER_AUTH=scram stores SCRAM hashes, so every PLAIN login costs a PBKDF2.
PEER_AUTH=${PEER_AUTH:-plain}
# mnesia: ejabberd's default store (MAM in a disc_only table); PEER_STORE=sql keeps everything
# (accounts, MAM, rooms) in one SQLite file, the store ejabberd recommends for MAM
# (needs erlang-p1-sqlite3; ejabberd creates the schema in a new file).
PEER_STORE=${PEER_STORE:-mnesia}

start() {
  local dir=$1 archive=$2
  mkdir -p "$dir/spool" "$dir/logs"
  dir=$(cd "$dir" && pwd)
  PEER_PORT=$(free_port)
  PEER_ARCHIVE=$archive
  local mam="" store="" auth_method=internal
  if [[ $archive == on ]]; then
    mam=$'  mod_mam:\n    default: always\n'
  fi
  if [[ $PEER_STORE == sql ]]; then
    store="default_db: sql
sql_type: sqlite
sql_database: \"$dir/ejabberd.db\""
    auth_method=sql
  fi
  cat >"$dir/ejabberd.yml" <<YML
loglevel: warning
log_rotate_count: 0
hosts:
  - "$PEER_DOMAIN"
auth_method: $auth_method
auth_password_format: $PEER_AUTH
$store
registration_timeout: infinity
listen:
  -
    port: $PEER_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    # ejabberd's default backlog is 5: a burst of 200 connects overflows it, and the dropped
    # SYNs come back after 1 s, 3 s, ... (or as resets). Prosody's is 128; messenger-server's
    # the system's (somaxconn).
    backlog: 1024
    max_stanza_size: 262144
    starttls: false
    starttls_required: false
    access: c2s
acl:
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  c2s:
    allow: all
  register:
    allow: all
  register_from:
    allow: loopback
  muc_create:
    allow: all
shaper_rules:
  max_user_sessions: 10
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_stream_mgmt: {}
  mod_register:
    access: register
    ip_access: register_from
  mod_muc:
    host: "$PEER_MUC"
    access_create: muc_create
    max_users: 10000
    max_users_presence: 10000
    history_size: 0
    default_room_options:
      max_users: 10000
      mam: $([[ $archive == on ]] && echo true || echo false)
$mam
YML
  # The flags ejabberdctl uses (+K true, +P), its environment, minus distribution. Schedulers
  # do not busy-wait (+sbwt none ...): on 2 shared cores a spinning scheduler takes CPU from the
  # generator and shows as server CPU that did no work (PEER_BUSY_WAIT=1 keeps Erlang's default).
  local busy_wait=(+sbwt none +sbwtdcpu none +sbwtdio none)
  [[ ${PEER_BUSY_WAIT:-0} == 1 ]] && busy_wait=()
  (
    cd "$dir"
    export HOME=$dir ERL_MAX_PORTS=65536 ERL_MAX_ETS_TABLES=1400 \
      ERL_LIBS=/usr/lib/x86_64-linux-gnu ERL_CRASH_DUMP=$dir/logs/erl_crash.dump
    ulimit -n 65536 2>/dev/null || true
    exec erl +K true +P 250000 "${busy_wait[@]}" -noinput -noshell -start_epmd false \
      -mnesia dir "\"$dir/spool\"" \
      -ejabberd config "\"$dir/ejabberd.yml\"" log_path "\"$dir/logs/ejabberd.log\"" \
      -s ejabberd >"$dir/logs/stdout.log" 2>&1 </dev/null
  ) &
  PEER_PID=$!
  wait_listening "$PEER_PORT" "$PEER_PID" ejabberd "$dir/logs/ejabberd.log"
  # erl execs erlexec, which execs beam.smp: the PID is the VM's (its /proc/PID/stat is the CPU).
  write_state "$dir"
  cat "$dir/peer.env"
}

case ${1:-} in
  start)
    [[ $# -ge 2 ]] || usage_peer
    archive=on
    [[ ${3:-} == --archive ]] && archive=${4:-on}
    start "$2" "$archive"
    ;;
  stop)
    [[ $# -ge 2 ]] || usage_peer
    source "$2/peer.env"
    stop_pid "$PEER_PID" ejabberd
    ;;
  version) echo "ejabberd $PEER_VERSION (erlang-base $(dpkg-query -W -f='${Version}' erlang-base))" ;;
  *) usage_peer ;;
esac
