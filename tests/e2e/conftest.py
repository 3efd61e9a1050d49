"""pytest fixtures that start the real messenger-server binary.

Every server runs in its own process group on 127.0.0.1 with --port 0 and a data directory under
the test's tmp_path. At teardown each server that the test did not stop itself gets SIGTERM and
must exit 0 within a bound (graceful shutdown, and under ASan/UBSan: no sanitizer report at
exit); then the whole process group is killed, whatever happened.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ADMIN_PASSWORD, ServerProcess  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "server_args(*flags): extra command-line flags for the `server` fixture")


@pytest.fixture
def server_factory(tmp_path):
    """Returns start(extra_args=(), data_dir=None, admin_password=..., name=...) -> ServerProcess.

    Servers started through it are stopped at teardown; a server that died on its own or did not
    shut down cleanly fails the test.
    """
    started = []
    counter = [0]

    def start(extra_args=(), data_dir=None, admin_password=ADMIN_PASSWORD, env=None,
              name=None):
        counter[0] += 1
        name = name or f"server{counter[0]}"
        srv = ServerProcess(
            workdir=tmp_path / name,
            data_dir=data_dir or (tmp_path / f"{name}-data"),
            extra_args=list(extra_args),
            admin_password=admin_password,
            env=env,
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
