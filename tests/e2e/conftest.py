"""pytest fixtures that start the real messenger-server binary.

Every server runs in its own process group on 127.0.0.1 with --port 0 and a data directory under
the test's tmp_path. At teardown each server that the test did not stop itself gets SIGTERM and
must exit 0 within a bound (graceful shutdown, and under ASan/UBSan: no sanitizer report at
exit); then the whole process group is killed, whatever happened.

The store: with MESSENGER_TEST_STORE=mongo every server runs on MongoDB (`--store
mongodb://HOST:PORT/e2e_<hash of its data directory>`, so a restart on the same data directory
finds the same database and every test has its own). The MongoDB server is
MESSENGER_TEST_MONGO_URI (a real mongod) if set, else one FerretDB per session started from
MESSENGER_FERRETDB (tests/ferretdb) on 127.0.0.1, port 0, data in the session's temporary
folder, stopped at the end. If neither can be had, every test that needs it fails (never
skips). Tests marked sqlite_only(reason) are deselected in that mode, those marked
not_on_ferretdb(reason) when it runs on FerretDB; both are listed with their reason at the end of
the run.
"""

import os
import socket
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ADMIN_PASSWORD, FerretDBError, FerretDBProcess, ServerProcess,  # noqa: E402
                     ferretdb_binary, mongo_database_name, mongo_host_port, mongo_mode,
                     mongo_uri, pymongo_client, store_mode)

_deselected_for_mongo = []  # (nodeid, reason)
_mongo_description = []


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "server_args(*flags): extra command-line flags for the `server` fixture")
    config.addinivalue_line(
        "markers", "sqlite_only(reason): only meaningful on the SQLite store; deselected when "
                   "MESSENGER_TEST_STORE=mongo")
    config.addinivalue_line(
        "markers", "not_on_ferretdb(reason): too slow on FerretDB (not on MongoDB); deselected "
                   "when MESSENGER_TEST_STORE=mongo runs on FerretDB rather than on "
                   "MESSENGER_TEST_MONGO_URI")
    try:
        store_mode()
    except ValueError as e:
        raise pytest.UsageError(str(e))


def pytest_collection_modifyitems(config, items):
    if not mongo_mode():
        return
    on_ferretdb = not os.environ.get("MESSENGER_TEST_MONGO_URI", "").strip()
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is None and on_ferretdb:
            marker = item.get_closest_marker("not_on_ferretdb")
        if marker is None:
            keep.append(item)
            continue
        reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
        assert reason, f"{item.nodeid}: {marker.name} needs a reason"
        drop.append(item)
        _deselected_for_mongo.append((item.nodeid, reason))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config):
    return f"messenger store: {store_mode()}"


def pytest_terminal_summary(terminalreporter):
    if not mongo_mode() and not _mongo_description:
        return
    tr = terminalreporter
    tr.write_line(f"messenger store: {store_mode()}"
                  + (f"; MongoDB server: {_mongo_description[0]}" if _mongo_description else ""))
    for nodeid, reason in _deselected_for_mongo:
        tr.write_line(f"deselected in the MongoDB run: {nodeid}: {reason}")


class MongoServer:
    """The session's MongoDB server: base URI, and a fresh database per name."""

    def __init__(self, base_uri, description, ferretdb=None, external=False):
        self.base_uri = base_uri
        self.description = description
        self.ferretdb = ferretdb
        self.external = external
        self._prepared = set()

    def uri(self, database):
        return mongo_uri(self.base_uri, database)

    def check_alive(self):
        if self.ferretdb is not None and not self.ferretdb.alive():
            pytest.fail(f"the session's FerretDB ({self.description}) exited with code "
                        f"{self.ferretdb.proc.returncode}; its log:\n"
                        f"{self.ferretdb.log_text()[-3000:]}", pytrace=False)

    def fresh_uri(self, database):
        """The URI of a database that is empty at its first use in this session. FerretDB's
        data folder is new for every session; a real mongod keeps databases between runs, so
        there the database is dropped at its first use (the names are deterministic)."""
        self.check_alive()
        if self.external and database not in self._prepared:
            client = pymongo_client(self.base_uri)
            try:
                client.drop_database(database)
            finally:
                client.close()
        self._prepared.add(database)
        return self.uri(database)


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory):
    """The MongoDB server of the session (see the module's docstring); fails, never skips, if
    there is none."""
    external = os.environ.get("MESSENGER_TEST_MONGO_URI", "").strip()
    if external:
        try:
            host, port = mongo_host_port(external)
            mongo_uri(external, "x")
        except ValueError as e:
            host, problem = None, f"MESSENGER_TEST_MONGO_URI: {e}"
        if host is None:
            pytest.fail(problem, pytrace=False)
        problem = None
        try:
            socket.create_connection((host, port), timeout=5).close()
        except OSError as e:
            problem = (f"MESSENGER_TEST_MONGO_URI={external}: cannot connect to {host}:{port} "
                       f"({e}); start that mongod or unset the variable to use FerretDB")
        if problem:
            pytest.fail(problem, pytrace=False)
        server = MongoServer(external, f"{external} (MESSENGER_TEST_MONGO_URI)", external=True)
        _mongo_description[:] = [server.description]
        yield server
        return

    binary = ferretdb_binary()
    if not binary:
        pytest.fail("the MongoDB tests need a MongoDB server and there is none: set "
                    "MESSENGER_FERRETDB to the FerretDB test server binary (tests/ferretdb/"
                    "build.sh builds it; the CTest fixture 'ferretdb' sets the variable) or "
                    "MESSENGER_TEST_MONGO_URI to a running mongod", pytrace=False)
    root = tmp_path_factory.mktemp("ferretdb")
    ferretdb = FerretDBProcess(binary, root / "data", root)
    problem = None
    try:
        ferretdb.start()
    except FerretDBError as e:
        problem = str(e)
    if problem:
        ferretdb.close()
        pytest.fail(f"the MongoDB tests cannot start FerretDB: {problem}", pytrace=False)
    server = MongoServer(ferretdb.base_uri, f"FerretDB {ferretdb.base_uri} ({binary})",
                         ferretdb=ferretdb)
    _mongo_description[:] = [server.description]
    try:
        yield server
    finally:
        ferretdb.close()


@pytest.fixture
def server_factory(tmp_path, request):
    """Returns start(extra_args=(), data_dir=None, admin_password=..., name=..., store=None)
    -> ServerProcess.

    store: None for the suite's store (SQLite, or in MongoDB mode the database of the data
    directory), "sqlite" for SQLite whatever the mode, or a mongodb:// URI. Servers started
    through it are stopped at teardown; a server that died on its own or did not shut down
    cleanly fails the test.
    """
    started = []
    counter = [0]
    mongo = request.getfixturevalue("mongo_server") if mongo_mode() else None

    def start(extra_args=(), data_dir=None, admin_password=ADMIN_PASSWORD, env=None,
              name=None, store=None):
        counter[0] += 1
        name = name or f"server{counter[0]}"
        data_dir = data_dir or (tmp_path / f"{name}-data")
        if store == "sqlite":
            store = None
        elif store is None and mongo is not None:
            store = mongo.fresh_uri(mongo_database_name(data_dir))
        srv = ServerProcess(
            workdir=tmp_path / name,
            data_dir=data_dir,
            extra_args=list(extra_args),
            admin_password=admin_password,
            env=env,
            store=store,
        )
        started.append(srv)
        srv.start()
        return srv

    yield start

    problems = []
    for srv in started:
        try:
            problem = srv.shutdown_and_check()
            if problem:
                problems.append(problem)
        finally:
            srv.kill_group()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def server(server_factory, request):
    """One running server; flags from @pytest.mark.server_args(...) are added."""
    marker = request.node.get_closest_marker("server_args")
    extra = list(marker.args) if marker else []
    return server_factory(extra)
