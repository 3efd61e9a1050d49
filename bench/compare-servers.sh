# Sourced by bench/compare.sh: start and stop one server under test, fresh, on loopback, and
# stop it by its PID. A server name is one of SERVER_NAMES; start_instance sets
#   INSTANCE_PID   the process whose /proc/PID/stat is the server's CPU (and RSS)
#   BENCH_TARGET   the messenger-bench flags that reach it (array)
#   INSTANCE_KIND  messenger or xmpp
# Needs bench/server-lib.sh and bench/peers/peer-lib.sh sourced, and root, server, ferretdb set.

SERVER_NAMES="messenger-sqlite messenger-mongo ejabberd-on ejabberd-off prosody-on prosody-off"

# describe_server NAME: one line for the report.
describe_server() {
  case $1 in
    messenger-sqlite) echo "messenger-server, embedded SQLite store (default config: fsynced group commit)" ;;
    messenger-mongo) echo "messenger-server, MongoDB store on FerretDB (tests/ferretdb, SQLite backend)" ;;
    ejabberd-on) echo "ejabberd, message archive (mod_mam) on, Mnesia" ;;
    ejabberd-off) echo "ejabberd, message archive off (nothing stored)" ;;
    prosody-on) echo "Prosody, message archive (mod_mam, mod_muc_mam) on, internal file store" ;;
    prosody-off) echo "Prosody, message archive off (nothing stored)" ;;
    *) return 1 ;;
  esac
}

# start_instance NAME DIR STATE: a fresh instance with its data in DIR (a new directory);
# messenger-bench keeps messenger-server's accounts in STATE (setup writes it, the others read).
start_instance() {
  local name=$1 dir=$2
  INSTANCE_STATE=$3
  mkdir -p "$dir"
  INSTANCE_DIR=$dir
  INSTANCE_NAME=$name
  case $name in
    messenger-sqlite)
      INSTANCE_KIND=messenger
      start_server "$server" "$dir"
      ;;
    messenger-mongo)
      INSTANCE_KIND=messenger
      if [[ -z ${FERRETDB_PID:-} ]]; then
        start_ferretdb "$ferretdb" "$dir"
        echo "# ferretdb pid $FERRETDB_PID at $FERRETDB_ADDR"
      fi
      start_server "$server" "$dir" --store "mongodb://$FERRETDB_ADDR/bench"
      ;;
    ejabberd-* | prosody-*)
      INSTANCE_KIND=xmpp
      local peer=${name%-*} archive=${name##*-}
      "$root/bench/peers/$peer.sh" start "$dir" --archive "$archive" >/dev/null
      # shellcheck source=/dev/null
      source "$dir/peer.env"
      INSTANCE_PID=$PEER_PID
      BENCH_TARGET=(--protocol xmpp --xmpp-host "127.0.0.1:$PEER_PORT" --xmpp-domain "$PEER_DOMAIN"
        --server-pid "$PEER_PID")
      echo "# $name pid $PEER_PID at 127.0.0.1:$PEER_PORT ($PEER_VERSION, store $PEER_STORE)"
      return 0
      ;;
    *)
      echo "unknown server '$name' (one of: $SERVER_NAMES)" >&2
      return 1
      ;;
  esac
  INSTANCE_PID=$SERVER_PID
  BENCH_TARGET=(--url "$SERVER_URL" --server-pid "$SERVER_PID" --state "$INSTANCE_STATE")
  echo "# $name pid $SERVER_PID at $SERVER_URL"
}

# restart_instance: messenger-server again on the same data (and the same FerretDB), so that a
# scenario's RSS and CPU start from an idle process. The XMPP peers keep running: a restart costs
# them a VM or interpreter start, and their figures were taken that way before (peers/README.md).
restart_instance() {
  [[ $INSTANCE_KIND == messenger ]] || return 0
  stop_server || echo "# warning: messenger-server exited with status $? after SIGTERM"
  local flags=()
  [[ $INSTANCE_NAME == messenger-mongo ]] && flags=(--store "mongodb://$FERRETDB_ADDR/bench")
  start_server "$server" "$INSTANCE_DIR" "${flags[@]}"
  INSTANCE_PID=$SERVER_PID
  BENCH_TARGET=(--url "$SERVER_URL" --server-pid "$SERVER_PID" --state "$INSTANCE_STATE")
}

# stop_instance: stops what start_instance started (FerretDB too), by PID.
stop_instance() {
  [[ -n ${INSTANCE_NAME:-} ]] || return 0
  local status=0
  case $INSTANCE_KIND in
    messenger)
      stop_server || status=$?
      stop_ferretdb || true
      ;;
    xmpp) "$root/bench/peers/${INSTANCE_NAME%-*}.sh" stop "$INSTANCE_DIR" || status=$? ;;
  esac
  INSTANCE_NAME=""
  return "$status"
}
