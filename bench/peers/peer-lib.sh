# Shared by ejabberd.sh and prosody.sh (sourced): a free loopback port, waiting for a listener,
# stopping by PID, and the state file that `start` leaves in the instance directory.

# free_port: a TCP port that nothing listens on right now (the kernel's choice for port 0).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listening PORT PID NAME LOG: up to 60 s for 127.0.0.1:PORT to accept, while PID lives.
wait_listening() {
  local port=$1 pid=$2 name=$3 log=$4 i
  for i in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before listening on port $port; its log ($log):" >&2
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "$name did not listen on 127.0.0.1:$port within 60 s; stopping it; see $log" >&2
  stop_pid "$pid" "$name"
  return 1
}

# stop_pid PID NAME: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
  local pid=$1 name=$2 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "$name ($pid) did not stop within 15 s of SIGTERM; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# write_state DIR: the instance's facts, for `stop` and for the caller (source DIR/peer.env).
write_state() {
  local dir=$1
  cat >"$dir/peer.env" <<STATE
PEER=$PEER
PEER_VERSION='$PEER_VERSION'
PEER_PID=$PEER_PID
PEER_PORT=$PEER_PORT
PEER_DOMAIN=$PEER_DOMAIN
PEER_MUC=$PEER_MUC
PEER_ARCHIVE=$PEER_ARCHIVE
PEER_STORE=$PEER_STORE
STATE
}

usage_peer() {
  cat >&2 <<USAGE
usage: $0 start DIR [--archive on|off]   start a private instance in DIR (created if needed);
                                         prints and writes DIR/peer.env (PEER_PID, PEER_PORT, ...)
       $0 stop DIR                        stop the instance that DIR/peer.env names, by PID
       $0 version                         print the installed version
USAGE
  exit 2
}
