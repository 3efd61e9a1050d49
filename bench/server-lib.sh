# Shared by run-quick.sh and smoke_test.sh (sourced): start one messenger-server on a temporary
# data directory and stop it by its PID. Loopback only.

# find_binaries ROOT [--build]: sets build_dir (BUILD_DIR, default ROOT/build/release), server and
# bench; with --build, configures the release preset and builds both.
find_binaries() {
  local root=$1
  build_dir=${BUILD_DIR:-$root/build/release}
  if [[ ${2:-} == --build ]]; then
    cmake --preset release -S "$root" >/dev/null
    build_dir=$root/build/release
    cmake --build "$build_dir" --target messenger-server messenger-bench -j "${JOBS:-2}"
  fi
  server=$build_dir/server/messenger-server
  bench=$build_dir/bench/messenger-bench
  local binary
  for binary in "$server" "$bench"; do
    if [[ ! -x $binary ]]; then
      echo "missing $binary (build it, pass --build, or set BUILD_DIR)" >&2
      exit 1
    fi
  done
}

# start_server SERVER_BINARY WORK_DIR [extra server flags...]
# Sets SERVER_PID and SERVER_URL; the server's output goes to WORK_DIR/server.{out,err}.
start_server() {
  local binary=$1 work=$2
  shift 2
  mkdir -p "$work/data"
  # A restart on the same work directory must not read the previous server's address.
  rm -f "$work/server.out"
  # messenger-server does not raise its own open file limit: give it the hard limit, one
  # descriptor per connection (10,000+ for the connect scenario). `exec` keeps the PID.
  (
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    exec "$binary" --port 0 --bind 127.0.0.1 --data-dir "$work/data" \
      --admin-password "$BENCH_ADMIN_PASSWORD" --password-opslimit 1 --password-memlimit 8192 \
      --requests-per-second 1000000 --request-burst 1000000 --log-level warn "$@" \
      >"$work/server.out" 2>"$work/server.err" </dev/null
  ) &
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

# stop_server: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds (default 10). Returns the
# server's exit status.
stop_server() {
  [[ -n ${SERVER_PID:-} ]] || return 0
  local pid=$SERVER_PID status=0 i limit=${STOP_TIMEOUT:-10}
  SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "messenger-server did not stop within $limit s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

BENCH_ADMIN_PASSWORD=${BENCH_ADMIN_PASSWORD:-bench-admin-password}

# start_ferretdb FERRETDB_BINARY WORK_DIR
# Starts FerretDB (tests/ferretdb, the MongoDB-wire-protocol test server) on 127.0.0.1, port 0,
# with its SQLite data in WORK_DIR/ferretdb. Sets FERRETDB_PID and FERRETDB_ADDR (host:port);
# its output goes to WORK_DIR/ferretdb.{out,err}.
start_ferretdb() {
  local binary=$1 work=$2
  mkdir -p "$work/ferretdb"
  "$binary" --listen 127.0.0.1:0 --data-dir "$work/ferretdb" \
    >"$work/ferretdb.out" 2>"$work/ferretdb.err" </dev/null &
  FERRETDB_PID=$!
  FERRETDB_ADDR=""
  local i
  for i in $(seq 1 300); do
    FERRETDB_ADDR=$(sed -nE 's/^ferretdb listening on (127\.0\.0\.1:[0-9]+)$/\1/p' \
      "$work/ferretdb.out" 2>/dev/null | head -n 1 || true)
    [[ -n $FERRETDB_ADDR ]] && return 0
    if ! kill -0 "$FERRETDB_PID" 2>/dev/null; then
      echo "ferretdb exited before listening:" >&2
      cat "$work/ferretdb.err" >&2
      FERRETDB_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "ferretdb did not print its address within 30 s" >&2
  return 1
}

# stop_ferretdb: SIGTERM, then SIGKILL after 10 s. Returns FerretDB's exit status.
stop_ferretdb() {
  [[ -n ${FERRETDB_PID:-} ]] || return 0
  local pid=$FERRETDB_PID status=0 i
  FERRETDB_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "ferretdb did not stop within 10 s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

# cpu_ticks PID: user + system CPU time of a running process in clock ticks (/proc/PID/stat
# fields 14 and 15; `getconf CLK_TCK` per second), or nothing if it is gone.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # Field 2 (comm) may contain spaces; count from after its closing parenthesis (field 3 = $1).
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}
