# Shared by run-quick.sh and smoke_test.sh (sourced): start one messenger-server on a temporary
# data directory and stop it by its PID. Loopback only.

# start_server SERVER_BINARY WORK_DIR [extra server flags...]
# Sets SERVER_PID and SERVER_URL; the server's output goes to WORK_DIR/server.{out,err}.
start_server() {
  local binary=$1 work=$2
  shift 2
  mkdir -p "$work/data"
  "$binary" --port 0 --bind 127.0.0.1 --data-dir "$work/data" \
    --admin-password "$BENCH_ADMIN_PASSWORD" --password-opslimit 1 --password-memlimit 8192 \
    --requests-per-second 1000000 --request-burst 1000000 --log-level warn "$@" \
    >"$work/server.out" 2>"$work/server.err" </dev/null &
  SERVER_PID=$!
  SERVER_URL=""
  local i
  for i in $(seq 1 300); do
    SERVER_URL=$(grep -o 'ws://127\.0\.0\.1:[0-9]*/ws' "$work/server.out" 2>/dev/null | head -n 1 || true)
    [[ -n $SERVER_URL ]] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "messenger-server exited before listening:" >&2
      cat "$work/server.err" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "messenger-server did not print its address within 30 s" >&2
  return 1
}

# stop_server: SIGTERM, then SIGKILL after 10 s. Returns the server's exit status.
stop_server() {
  [[ -n ${SERVER_PID:-} ]] || return 0
  local pid=$SERVER_PID status=0 i
  SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "messenger-server did not stop within 10 s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

BENCH_ADMIN_PASSWORD=${BENCH_ADMIN_PASSWORD:-bench-admin-password}
