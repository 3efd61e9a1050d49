"""Starting, stopping and observing one messenger-server process (and the FerretDB test server
that the MongoDB mode of the suite runs it on)."""

import hashlib
import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / "build" / "dev" / "server" / "messenger-server"

ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-secret-pw"

# Sanitizer builds start and shut down slower; the bounds are generous but finite.
STARTUP_TIMEOUT = float(os.environ.get("MESSENGER_E2E_STARTUP_TIMEOUT", "30"))
SHUTDOWN_TIMEOUT = float(os.environ.get("MESSENGER_E2E_SHUTDOWN_TIMEOUT", "20"))

LISTENING_RE = re.compile(r"listening on (wss?)://([0-9.]+):(\d+)/ws")
SANITIZER_RE = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")


def insecure_ssl_context():
    """TLS without certificate checks: the tests compare fingerprints themselves."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def server_binary():
    return os.environ.get("MESSENGER_SERVER") or str(DEFAULT_BINARY)


# ---- the store the servers run on ----
#
# MESSENGER_TEST_STORE=mongo runs every server that the fixtures start on MongoDB
# (--store mongodb://HOST:PORT/<database>); unset or "sqlite" keeps the default SQLite store in
# the data directory. The MongoDB server is MESSENGER_TEST_MONGO_URI (a real mongod) if set,
# else one FerretDB per pytest session started from MESSENGER_FERRETDB (see conftest.py).

DEFAULT_FERRETDB = REPO_ROOT / "build" / "ferretdb" / "messenger-test-ferretdb"
FERRETDB_LISTENING_RE = re.compile(r"ferretdb listening on ([0-9.]+):(\d+)")


def store_mode():
    """"sqlite" or "mongo", from MESSENGER_TEST_STORE."""
    value = os.environ.get("MESSENGER_TEST_STORE", "").strip().lower() or "sqlite"
    if value not in ("sqlite", "mongo"):
        raise ValueError(f"MESSENGER_TEST_STORE must be 'sqlite' or 'mongo', not {value!r}")
    return value


def mongo_mode():
    return store_mode() == "mongo"


def ferretdb_binary():
    """The FerretDB test server binary: MESSENGER_FERRETDB, else the default output of
    tests/ferretdb/build.sh if it exists; None if there is none."""
    path = os.environ.get("MESSENGER_FERRETDB") or (
        str(DEFAULT_FERRETDB) if DEFAULT_FERRETDB.exists() else "")
    return path or None


def mongo_database_name(data_dir):
    """The database of a server, derived from its data directory: a restart on the same
    directory finds the same database, and every test (its own tmp_path) has its own."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()
    return "e2e_" + digest[:16]


def mongo_uri(base, database):
    """base (mongodb://host:port, with or without a path or ?options) with the database set."""
    m = re.fullmatch(r"(mongodb(?:\+srv)?://[^/?]+)/?([^?]*)(\?.*)?", base.strip())
    if not m:
        raise ValueError(f"not a MongoDB connection string: {base!r}")
    return f"{m.group(1)}/{database}{m.group(3) or ''}"


def mongo_host_port(uri):
    """(host, port) of the first host of a mongodb:// URI."""
    m = re.match(r"mongodb://(?:[^@/]*@)?([^/?,:]+)(?::(\d+))?", uri)
    if not m:
        raise ValueError(f"cannot read host:port of {uri!r}")
    return m.group(1), int(m.group(2) or 27017)


def free_port_reserved():
    """A socket bound to 127.0.0.1 on a free port but not listening: connections to the port
    are refused, and nobody else can take it while the socket is open. Returns (socket, port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def pymongo_client(uri, timeout_ms=10000):
    """A pymongo client, for looking at a database directly in test setup and checks."""
    try:
        import pymongo
    except ImportError:
        raise AssertionError("this needs pymongo (apt-get install python3-pymongo)") from None
    return pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms,
                               connectTimeoutMS=timeout_ms, socketTimeoutMS=30000)


class FerretDBError(Exception):
    pass


class FerretDBProcess:
    """One FerretDB test server (tests/ferretdb) on 127.0.0.1. start() binds port 0 the first
    time and the same port on later starts, always on the same data directory, so a restart
    is the same database server coming back."""

    START_TIMEOUT = 30

    def __init__(self, binary, data_dir, workdir, port=0):
        self.binary = str(binary)
        self.data_dir = Path(data_dir)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.proc = None
        self.starts = 0
        self._procs = []

    @property
    def base_uri(self):
        return f"mongodb://127.0.0.1:{self.port}"

    def uri(self, database):
        return f"{self.base_uri}/{database}"

    @property
    def log_path(self):
        return self.workdir / f"ferretdb-{self.starts}.log"

    def start(self, attempts=1):
        """Starts the server and waits for its readiness line. On the same port as before, a
        few attempts are made (a port just released may still be held for a moment)."""
        if self.proc is not None and self.proc.poll() is None:
            raise FerretDBError("FerretDB already running")
        if not Path(self.binary).is_file():
            raise FerretDBError(f"no FerretDB binary at {self.binary} (build it with "
                                f"tests/ferretdb/build.sh)")
        last = None
        for attempt in range(attempts):
            try:
                return self._start_once()
            except FerretDBError as e:
                last = e
                if "address already in use" not in str(e):
                    raise
                time.sleep(0.5 * (attempt + 1))
        raise last

    def _start_once(self):
        self.starts += 1
        log = open(self.log_path, "wb")
        try:
            proc = subprocess.Popen(
                [self.binary, "--listen", f"127.0.0.1:{self.port}", "--data-dir",
                 str(self.data_dir)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True, cwd=self.workdir)
        finally:
            log.close()
        self.proc = proc
        self._procs.append(proc)
        lines = []
        ready = threading.Event()

        def read():
            for raw in proc.stdout:
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                if FERRETDB_LISTENING_RE.search(lines[-1]):
                    ready.set()
            ready.set()  # end of output: exited

        threading.Thread(target=read, daemon=True).start()
        ready.wait(self.START_TIMEOUT)
        for line in lines:
            m = FERRETDB_LISTENING_RE.search(line)
            if m:
                self.port = int(m.group(2))
                return self
        self.stop(signal.SIGKILL)
        raise FerretDBError(
            f"FerretDB ({self.binary}) did not start on 127.0.0.1:{self.port} within "
            f"{self.START_TIMEOUT}s: exit code {proc.returncode}\nstdout: {lines}\n"
            f"stderr: {self.log_text()[-3000:]}")

    def log_text(self):
        try:
            return self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig to the process (by PID) and waits; SIGKILL if it is still there after the
        timeout. Returns the exit code."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
        return proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)

    def close(self):
        """At the end: SIGTERM, then SIGKILL, for every process this object started."""
        for proc in self._procs:
            if proc.poll() is None:
                self.proc = proc
                self.stop(signal.SIGTERM)


class ServerError(Exception):
    pass


class ServerProcess:
    """One server on one data directory. restart() starts a new process on the same directory."""

    def __init__(self, workdir, data_dir, extra_args=(), admin_password=ADMIN_PASSWORD,
                 env=None, store=None):
        self.workdir = Path(workdir)
        self.store = store  # a mongodb:// URI for --store, or None for the SQLite default
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.admin_password = admin_password
        self.env = env
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.scheme = "ws"
        self.stdout_lines = []
        self._stdout_cond = threading.Condition()
        self._generation = 0
        self._all_procs = []  # (proc, stderr path) of every start, for teardown
        self._stopped_by_test = False

    # ---- lifecycle ----

    def command(self, extra_args=None):
        """The defaults (cheapest password hashing, port 0, quiet logs), minus those the test's
        own flags replace, then the test's flags."""
        extra = list(self.extra_args if extra_args is None else extra_args)
        defaults = [("--port", "0"), ("--bind", "127.0.0.1"), ("--data-dir", str(self.data_dir)),
                    ("--admin-user", ADMIN_USER), ("--log-level", "warn"),
                    ("--password-opslimit", "1"), ("--password-memlimit", "8192")]
        if self.admin_password is not None:
            defaults.append(("--admin-password", self.admin_password))
        if self.store is not None:
            defaults.append(("--store", self.store))
        args = [server_binary()]
        for flag, value in defaults:
            if flag not in extra:
                args += [flag, value]
        return args + extra

    @property
    def stderr_path(self):
        return self.workdir / f"stderr-{self._generation}.log"

    def start(self, extra_args=None):
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running")
        if extra_args is not None:
            self.extra_args = list(extra_args)
        self._generation += 1
        self._stopped_by_test = False
        self.port = None
        with self._stdout_cond:
            self.stdout_lines = []
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        stderr = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=stderr, start_new_session=True, env=env, cwd=self.workdir)
        finally:
            stderr.close()
        self._all_procs.append((self.proc, self.stderr_path))
        proc = self.proc
        threading.Thread(target=self._drain_stdout, args=(proc,), daemon=True).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with self._stdout_cond:
            while True:
                for line in self.stdout_lines:
                    m = LISTENING_RE.search(line)
                    if m:
                        self.scheme, self.host = m.group(1), m.group(2)
                        self.port = int(m.group(3))
                        return self
                if proc.poll() is not None and getattr(proc, "_stdout_done", False):
                    self._stopped_by_test = True  # reported here, not again at teardown
                    raise ServerError(
                        f"server exited with {proc.returncode} before listening\n"
                        f"{self.describe()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._stopped_by_test = True
                    self.kill_group()
                    raise ServerError(
                        f"no 'listening on' line within {STARTUP_TIMEOUT}s\n{self.describe()}")
                self._stdout_cond.wait(min(remaining, 0.2))

    def _drain_stdout(self, proc):
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._stdout_cond:
                if proc is self.proc:
                    self.stdout_lines.append(line)
                self._stdout_cond.notify_all()
        proc._stdout_done = True
        with self._stdout_cond:
            self._stdout_cond.notify_all()

    def restart(self, extra_args=None):
        """Starts a new process on the same data directory (the old one must be gone)."""
        return self.start(extra_args)

    def signal(self, sig):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout=SHUTDOWN_TIMEOUT):
        """SIGTERM and wait: returns the exit code (raises on timeout)."""
        self._stopped_by_test = True
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_group()
            raise ServerError(f"server did not exit within {timeout}s of SIGTERM\n"
                              f"{self.describe()}")

    def kill(self):
        """SIGKILL, as a crash would."""
        self._stopped_by_test = True
        self.signal(signal.SIGKILL)
        self.proc.wait(10)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill_group(self):
        for proc, _ in self._all_procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            if proc.stdout:
                proc.stdout.close()

    def shutdown_and_check(self):
        """At teardown: a server still running must stop cleanly on SIGTERM; a server that died
        on its own, or any sanitizer report, is a problem. Returns a description or None."""
        problems = []
        if self.proc is not None and not self._stopped_by_test:
            rc = self.proc.poll()
            if rc is not None:
                problems.append(f"server died during the test with exit code {rc}")
            else:
                try:
                    rc = self.stop()
                    if rc != 0:
                        problems.append(f"server exited with {rc} after SIGTERM (expected 0)")
                except ServerError as e:
                    problems.append(str(e))
        for _, path in self._all_procs:
            try:
                text = Path(path).read_text("utf-8", "replace")
            except OSError:
                continue
            if SANITIZER_RE.search(text):
                problems.append(f"sanitizer report in {path}:\n{text[-6000:]}")
        if problems:
            return "\n".join(problems) + "\n" + self.describe()
        return None

    # ---- observing ----

    @property
    def url(self):
        return f"{self.scheme}://{self.host}:{self.port}/ws"

    @property
    def pid(self):
        return self.proc.pid

    def stderr_text(self):
        try:
            return self.stderr_path.read_text("utf-8", "replace")
        except OSError:
            return ""

    def describe(self):
        with self._stdout_cond:
            out = "\n".join(self.stdout_lines[-30:])
        err = self.stderr_text()[-4000:]
        return (f"command: {' '.join(self.command())}\n--- stdout (tail) ---\n{out}\n"
                f"--- stderr (tail) ---\n{err}")

    def proc_status(self, key):
        """A field of /proc/PID/status in kB, e.g. VmRSS or VmHWM."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise KeyError(key)

    def rss_kb(self):
        return self.proc_status("VmRSS")

    def hwm_kb(self):
        return self.proc_status("VmHWM")

    def http_get(self, path, timeout=10):
        if self.scheme == "wss":
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=insecure_ssl_context())
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def metrics(self):
        """Parsed /metrics: {'name' or 'name{labels}': float}."""
        status, body = self.http_get("/metrics")
        if status != 200:
            raise ServerError(f"/metrics returned {status}")
        values = {}
        for line in body.splitlines():
            if not line or line.startswith("#"):
                continue
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
        return values
