#!/usr/bin/env bash
# A private Prosody (Debian's package, bench/peers/install.sh) for the XMPP comparison: runs as
# the current user in the foreground from DIR with its own config, data and log; c2s on a free
# port of 127.0.0.1 without TLS (PLAIN allowed over plain TCP), in-band registration (XEP-0077;
# mod_register_limits lets loopback register without throttling), mod_mam archiving every
# message by default (--archive off leaves mod_mam and mod_muc_mam out), and a MUC component
# on conference.localhost. The PID is the lua5.4 interpreter's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/peer-lib.sh"

PEER=prosody
PEER_DOMAIN=${PEER_DOMAIN:-localhost}
PEER_MUC=conference.$PEER_DOMAIN
PEER_VERSION=$(dpkg-query -W -f='${Version}' prosody 2>/dev/null || echo unknown)
# internal_plain: passwords stored as given, like ejabberd.sh's default; PEER_AUTH=internal_hashed
# (Prosody's default) stores SCRAM hashes, so every PLAIN login costs a PBKDF2.
PEER_AUTH=${PEER_AUTH:-internal_plain}
# internal: Prosody's default file store; PEER_STORE=sql needs lua-dbi-sqlite3.
PEER_STORE=${PEER_STORE:-internal}

start() {
  local dir=$1 archive=$2
  mkdir -p "$dir/data" "$dir/logs" "$dir/certs"
  dir=$(cd "$dir" && pwd)
  PEER_PORT=$(free_port)
  PEER_ARCHIVE=$archive
  local mam="" muc_mam=""
  if [[ $archive == on ]]; then
    mam='"mam";'
    muc_mam='"muc_mam";'
  fi
  local storage="storage = \"$PEER_STORE\""
  if [[ $PEER_STORE == sql ]]; then
    storage="storage = \"sql\"
sql = { driver = \"SQLite3\", database = \"prosody.sqlite\" }"
  fi
  cat >"$dir/prosody.cfg.lua" <<CFG
-- Written by bench/peers/prosody.sh for one benchmark instance.
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
daemonize = false
-- The benchmark runs as whoever calls it, root in the project's containers; Prosody refuses
-- root unless told (it would otherwise drop to the prosody user, which cannot write DIR).
run_as_root = true
certificates = "$dir/certs"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/logs/prosody.log" } }
network_backend = "epoll"
-- Prosody's default listen backlog is 128; ejabberd.sh sets 1024 too (see there).
network_settings = { tcp_backlog = 1024 }
interfaces = { "127.0.0.1" }
c2s_ports = { $PEER_PORT }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "$PEER_AUTH"
$storage
allow_registration = true
registration_whitelist = { "127.0.0.1" }
archive_expires_after = "never"
default_archive_policy = true
max_archive_query_results = 50
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "register"; "smacks"; $mam }
modules_disabled = { "s2s"; "tls"; "offline" }

VirtualHost "$PEER_DOMAIN"

Component "$PEER_MUC" "muc"
  modules_enabled = { $muc_mam }
  muc_room_locking = false
  muc_room_default_history_length = 0
  muc_log_by_default = $([[ $archive == on ]] && echo true || echo false)
  muc_log_all_rooms = $([[ $archive == on ]] && echo true || echo false)
  muc_max_occupants = 10000
  restrict_room_creation = false
CFG
  (
    cd "$dir"
    export HOME=$dir
    ulimit -n 65536 2>/dev/null || true
    exec lua5.4 /usr/bin/prosody --config "$dir/prosody.cfg.lua" -F \
      >"$dir/logs/stdout.log" 2>&1 </dev/null
  ) &
  PEER_PID=$!
  wait_listening "$PEER_PORT" "$PEER_PID" prosody "$dir/logs/prosody.log"
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
    stop_pid "$PEER_PID" prosody
    ;;
  version) echo "prosody $PEER_VERSION ($(lua5.4 -v 2>&1))" ;;
  *) usage_peer ;;
esac
