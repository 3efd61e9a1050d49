"""Starting, stopping and observing one messenger-server process."""

import http.client
import os
import re
import signal
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


class ServerError(Exception):
    pass


class ServerProcess:
    """One server on one data directory. restart() starts a new process on the same directory."""

    def __init__(self, workdir, data_dir, extra_args=(), admin_password=ADMIN_PASSWORD,
                 env=None):
        self.workdir = Path(workdir)
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
