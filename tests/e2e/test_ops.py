"""Operations: --help, /healthz, /metrics, the hello handshake, first start, graceful shutdown."""

import asyncio
import hashlib
import re
import resource
import signal
import socket
import ssl
import subprocess

import pytest

from client import (USER_PASSWORD, RawWs, async_test, close_all, connect, create_user, login,
                    login_admin, make_users, run)
from harness import ADMIN_USER, insecure_ssl_context, mongo_mode, server_binary


def test_help_lists_the_flags():
    out = subprocess.run([server_binary(), "--help"], capture_output=True, timeout=30, text=True)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    for flag in ("--port", "--bind", "--data-dir", "--config", "--admin-password",
                 "--max-frame-bytes", "--max-json-depth", "--max-text-bytes",
                 "--requests-per-second", "--send-queue-max-bytes", "--session-ttl-seconds",
                 "--max-login-failures-per-user", "--max-login-failures-per-address",
                 "--typing-interval-ms", "--sqlite-synchronous"):
        assert flag in text, f"{flag} missing from --help"


def test_healthz(server):
    status, body = server.http_get("/healthz")
    assert status == 200
    assert body.strip() == "ok"


def test_unknown_http_path_is_404(server):
    status, _ = server.http_get("/no-such-page")
    assert status == 404
    assert server.http_get("/healthz")[0] == 200


@async_test()
async def test_metrics_count_connections_and_messages(server):
    before = server.metrics()
    for name in ("messenger_connections_open", "messenger_messages_received_total",
                 "messenger_messages_delivered_total", "messenger_logins_total"):
        assert name in before, f"{name} missing from /metrics"
    for hist in ("messenger_commit_batch_size", "messenger_commit_seconds",
                 "messenger_message_seconds"):
        assert f'{hist}_bucket{{le="+Inf"}}' in before, f"{hist} histogram missing"
        assert f"{hist}_count" in before and f"{hist}_sum" in before

    users = await make_users(server, ["mona", "mark"])
    mona, mark = users["mona"], users["mark"]
    conv = (await mona.call("conv.open_direct", user_id=mark.user_id))["conversation"]
    before_sends = server.metrics()
    for i in range(3):
        await mona.send_msg(conv["id"], f"metric {i}")
    await mark.next_event("message.new")

    after = server.metrics()
    if mongo_mode():
        # Each send is a batch of its own: the conversation and its members read once, the
        # counters, the insert, their findAndModify, the commit write; 7 per send when every
        # request read alone. The process's first look at the conversation also checks its
        # counters against its messages (2 reads), before or during the sends.
        operations = after["messenger_mongodb_operations_total"] - \
            before_sends["messenger_mongodb_operations_total"]
        assert 3 * 6 <= operations <= 3 * 6 + 2, operations
    else:
        assert "messenger_mongodb_operations_total" not in after
    assert after["messenger_connections_open"] >= before["messenger_connections_open"] + 2
    assert after["messenger_messages_received_total"] == \
        before["messenger_messages_received_total"] + 3
    assert after["messenger_messages_delivered_total"] >= \
        before["messenger_messages_delivered_total"] + 3
    assert after["messenger_logins_total"] >= before["messenger_logins_total"] + 2
    assert after['messenger_commit_batch_size_bucket{le="+Inf"}'] >= 1
    assert after["messenger_commit_seconds_count"] >= 1
    # Each stored message is timed once, from its arrival to its acknowledgement's release.
    assert after["messenger_message_seconds_count"] == before["messenger_message_seconds_count"] + 3
    assert after["messenger_message_seconds_sum"] > before["messenger_message_seconds_sum"]

    await close_all(mona, mark)


@async_test()
async def test_hello_result_and_version(server):
    c = await connect(server, hello=False)
    result = await c.hello()
    assert result["version"] == 1
    assert isinstance(result["server"], str) and result["server"]
    limits = result["limits"]
    for key in ("max_frame_bytes", "max_json_depth", "max_text_bytes", "history_page_max"):
        assert isinstance(limits.get(key), int), f"limit {key} missing: {limits}"
    await c.close()

    c = await connect(server, hello=False)
    await c.expect_error("unsupported_version", "hello", version=99, client="future")
    await c.close()


@async_test()
async def test_requests_before_hello_and_before_login(server):
    c = await connect(server, hello=False)
    await c.expect_error("hello_required", "auth.login", username=ADMIN_USER,
                         password=server.admin_password, device="x")
    await c.expect_error("hello_required", "user.me")
    await c.hello()
    for rtype, fields in [("user.me", {}), ("conv.list", {}), ("settings.get", {}),
                          ("msg.send", dict(conversation_id=1, client_msg_id="x", text="hi")),
                          ("msg.history", dict(conversation_id=1, limit=10)),
                          ("directory.search", dict(query="", department="", limit=10)),
                          ("admin.user.create", dict(username="eve", display_name="Eve",
                                                     department="", title="", email="",
                                                     is_admin=True)),
                          ("auth.logout", {})]:
        await c.expect_error("not_authenticated", rtype, **fields)
    # Nothing happened: eve does not exist and the connection still works.
    await c.login(ADMIN_USER, server.admin_password)
    found = await c.call("directory.search", query="eve", department="", limit=10)
    assert [u for u in found["users"] if u["username"] == "eve"] == []
    await c.close()


def test_first_start_prints_admin_credentials(server_factory):
    srv = server_factory(admin_password=None)
    password = None
    for line in srv.stdout_lines:
        m = re.search(r"administrator '([^']+)' with password '([^']+)'", line)
        if m:
            assert m.group(1) == ADMIN_USER, line
            password = m.group(2)
    assert password, f"no admin credentials line on first start: {srv.stdout_lines}"
    assert len(password) >= 12, "a generated password should be strong"
    assert password not in srv.stderr_text(), "the password must not be logged"
    srv.admin_password = password

    async def body():
        admin = await login_admin(srv)
        assert admin.user["is_admin"] is True
        assert admin.user["username"] == ADMIN_USER
        await admin.close()

    run(body(), 60)

    # A second start on the same data does not make (or print) a new password.
    assert srv.stop() == 0
    srv.restart()
    assert not any("password" in line.lower() for line in srv.stdout_lines
                   if password in line), srv.stdout_lines

    run(body(), 60)


def test_sigterm_is_graceful_and_keeps_acknowledged_messages(server_factory):
    srv = server_factory(["--sqlite-synchronous", "normal"])
    state = {}

    async def before():
        users = await make_users(srv, ["gina", "gus"])
        gina, gus = users["gina"], users["gus"]
        conv = (await gina.call("conv.open_direct", user_id=gus.user_id))["conversation"]
        acked = [(await gina.send_msg(conv["id"], f"keep {i}", f"keep-{i}"))["message"]
                 for i in range(20)]
        state.update(conv=conv["id"], acked=acked, gina_token=gina.token)
        srv.signal(signal.SIGTERM)
        codes = [await gina.wait_closed(15), await gus.wait_closed(15)]
        assert codes == [1001, 1001], f"sessions should close with going away: {codes}"
        return True

    run(before(), 90)
    rc = srv.proc.wait(20)
    assert rc == 0, f"SIGTERM exit code {rc}\n{srv.describe()}"
    srv._stopped_by_test = True

    srv.restart()

    async def after():
        gina = await connect(srv)
        await gina.resume(state["gina_token"])
        history = await gina.history_all(state["conv"])
        assert [(m["seq"], m["text"]) for m in history] == \
            [(m["seq"], m["text"]) for m in state["acked"]]
        await gina.close()

    run(after(), 60)


@async_test()
async def test_a_second_hello_or_login_is_handled(server):
    admin = await login_admin(server)
    reply = await admin.request("hello", version=1, client="again")
    assert reply["type"] in ("result", "error")
    await create_user(admin, "hana")
    # Logging in again on a logged-in connection either switches or is refused; either way the
    # connection keeps working.
    reply = await admin.request("auth.login", username="hana", password=USER_PASSWORD,
                                device="d")
    assert reply["type"] in ("result", "error")
    me = await admin.call("user.me")
    assert me["user"]["username"] in (ADMIN_USER, "hana")
    await admin.close()
    hana = await login(server, "hana")
    await hana.close()


@pytest.mark.parametrize("path", ["/ws"])
def test_plain_http_get_on_ws_path_does_not_crash(server, path):
    status, _ = server.http_get(path)
    assert status in (400, 404, 405, 426)
    assert server.http_get("/healthz")[0] == 200


@async_test()
async def test_string_and_integer_request_ids_are_echoed(server):
    c = await connect(server, hello=False)
    reply = await c.request_obj({"type": "hello", "id": "h-1", "version": 1, "client": "t"})
    assert reply["type"] == "result" and reply["id"] == "h-1"
    reply = await c.request_obj({"type": "user.me", "id": 12345})
    assert reply["type"] == "error" and reply["id"] == 12345
    assert reply["code"] == "not_authenticated"
    await c.close()



def test_admin_password_from_the_environment(server_factory):
    srv = server_factory(admin_password=None, env={"MESSENGER_ADMIN_PASSWORD": "from-env-pw-1"})
    assert not any("from-env-pw-1" in line for line in srv.stdout_lines)
    srv.admin_password = "from-env-pw-1"

    async def body():
        admin = await login_admin(srv)
        assert admin.user["is_admin"] is True
        await admin.close()

    run(body(), 60)


@async_test()
async def test_config_file_and_flags_override_it(server_factory, tmp_path):
    config = tmp_path / "messenger.toml"
    config.write_text("[limits]\nmax_text_bytes = 100\nhistory_page_max = 7\n"
                      "[security]\nmax_login_failures_per_user = 9\n")
    srv = server_factory(["--config", str(config), "--history-page-max", "9"])
    c = await connect(srv)
    limits = c.hello_result["limits"]
    assert limits["max_text_bytes"] == 100, "from the file"
    assert limits["history_page_max"] == 9, "the flag wins over the file"
    await c.login(ADMIN_USER, srv.admin_password)
    await c.expect_error(("too_large", "bad_request"), "msg.send", conversation_id=1,
                         client_msg_id="x", text="x" * 101)
    await c.close()


@pytest.mark.parametrize("content, flag", [
    ("[limits]\nno_such_key = 1\n", "no_such_key"),
    ("[limits]\nmax_text_bytes = \"big\"\n", "max_text_bytes"),
    ("this is not toml = = =\n", None),
])
def test_invalid_config_file_is_refused(tmp_path, content, flag):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    out = subprocess.run([server_binary(), "--config", str(config), "--port", "0",
                          "--data-dir", str(tmp_path / "data")],
                         capture_output=True, timeout=30, text=True)
    assert out.returncode != 0
    assert "listening" not in out.stdout
    if flag:
        assert flag in out.stderr, out.stderr


def test_invalid_flag_values_are_refused(tmp_path):
    for args in (["--port", "70000"], ["--max-frame-bytes", "-5"], ["--sqlite-synchronous", "off"],
                 ["--no-such-flag"]):
        out = subprocess.run([server_binary(), "--data-dir", str(tmp_path / "d")] + args,
                             capture_output=True, timeout=30, text=True)
        assert out.returncode != 0, args
        assert "listening" not in out.stdout, args


def test_gen_cert_and_tls(server_factory, tmp_path):
    certs = tmp_path / "certs"
    out = subprocess.run([server_binary(), "gen-cert", "--out-dir", str(certs), "--cn",
                          "localhost"], capture_output=True, timeout=60, text=True)
    assert out.returncode == 0, out.stderr
    m = re.search(r"SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})", out.stdout)
    assert m, out.stdout
    fingerprint = m.group(1)
    assert (certs / "cert.pem").exists() and (certs / "key.pem").exists()
    assert (certs / "key.pem").stat().st_mode & 0o077 == 0, "the key is private"

    srv = server_factory(["--tls-cert", str(certs / "cert.pem"),
                          "--tls-key", str(certs / "key.pem")])
    assert srv.scheme == "wss"
    assert any(fingerprint in line for line in srv.stdout_lines), srv.stdout_lines
    status, body = srv.http_get("/healthz")
    assert status == 200 and body.strip() == "ok"
    served = ssl.DER_cert_to_PEM_cert(_served_cert(srv.host, srv.port))
    der = ssl.PEM_cert_to_DER_cert(served)
    digest = hashlib.sha256(der).hexdigest().upper()
    assert ":".join(digest[i:i + 2] for i in range(0, 64, 2)) == fingerprint

    async def body_():
        admin = await login_admin(srv)
        assert (await admin.call("user.me"))["user"]["username"] == ADMIN_USER
        await admin.close()

    run(body_(), 60)

    # Plain ws:// to a TLS port does not get through.
    try:
        raw = RawWs(srv.host, srv.port, timeout=5)
        raw.close()
        pytest.fail("a plain WebSocket handshake succeeded on the TLS port")
    except (ConnectionError, OSError):
        pass
    assert srv.alive()


def _served_cert(host, port):
    ctx = insecure_ssl_context()
    with socket.create_connection((host, port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


def test_passwords_and_tokens_are_never_logged(server_factory):
    srv = server_factory(["--log-level", "trace"])
    secrets = []

    async def body():
        admin = await login_admin(srv)
        await create_user(admin, "quinn", password="quinn-secret-1")
        q = await login(srv, "quinn", password="quinn-secret-1")
        secrets.extend(["quinn-secret-1", q.token, admin.token, srv.admin_password])
        await q.call("auth.change_password", old_password="quinn-secret-1",
                     new_password="quinn-secret-2")
        secrets.append("quinn-secret-2")
        c = await connect(srv)
        await c.expect_error("invalid_credentials", "auth.login", username="quinn",
                             password="quinn-wrong-3", device="d")
        secrets.append("quinn-wrong-3")
        await c.resume(q.token)
        reset = await admin.call("admin.user.reset_password", user_id=q.user_id)
        secrets.append(reset["password"])
        await close_all(admin, q, c)

    run(body(), 60)
    assert srv.stop() == 0
    logs = srv.stderr_text() + "\n".join(srv.stdout_lines)
    assert "quinn" in logs or logs.strip(), "trace logging should say something"
    for secret in secrets:
        assert secret not in logs, f"a secret appears in the logs: {secret[:4]}..."


@async_test(timeout=180)
async def test_many_connections_are_counted_and_released(server):
    before = server.metrics()["messenger_connections_open"]
    clients = []
    for i in range(0, 200, 20):
        clients += await asyncio.gather(*(connect(server, name=f"many-{i + j}")
                                          for j in range(20)))
    assert server.metrics()["messenger_connections_open"] >= before + 200
    admin = await login_admin(server)
    assert (await admin.call("user.me"))["user"]["username"] == ADMIN_USER
    # Half close politely, half just drop the TCP connection.
    await asyncio.gather(*(c.close() for c in clients[:100]))
    await asyncio.gather(*(c.abort() for c in clients[100:]))
    deadline = asyncio.get_running_loop().time() + 15
    while server.metrics()["messenger_connections_open"] > before + 1:
        assert asyncio.get_running_loop().time() < deadline, server.metrics()[
            "messenger_connections_open"]
        await asyncio.sleep(0.1)
    await admin.close()


@pytest.mark.server_args("--sqlite-synchronous", "full", "--requests-per-second", "0")
@async_test(timeout=120)
async def test_concurrent_sends_share_group_commits(server):
    names = [f"gc{i}" for i in range(8)]
    users = await make_users(server, names)
    clients = list(users.values())
    conv = (await clients[0].call("conv.create", kind="group", name="gc", topic="",
                                  member_ids=[c.user_id for c in clients[1:]]))[
        "conversation"]["id"]
    before = server.metrics()

    async def burst(c):
        await asyncio.gather(*(c.call("msg.send", conversation_id=conv,
                                      client_msg_id=f"{c.name}-{i}", text="x")
                               for i in range(40)))

    await asyncio.gather(*(burst(c) for c in clients))
    after = server.metrics()
    sent = 8 * 40
    assert after["messenger_messages_received_total"] - \
        before["messenger_messages_received_total"] == sent
    commits = after["messenger_commit_batch_size_count"] - \
        before["messenger_commit_batch_size_count"]
    singles = after['messenger_commit_batch_size_bucket{le="1"}'] - \
        before['messenger_commit_batch_size_bucket{le="1"}']
    assert commits < sent, f"{commits} commits for {sent} concurrent sends: no group commit"
    assert singles < commits, "some commits should hold more than one request"
    await close_all(*clients)


def test_server_raises_its_open_file_limit_to_the_hard_limit(server_factory):
    """Each connection holds a descriptor: a server started with a low soft limit raises it to
    the hard limit (and logs it), so that more connections than that soft limit all come up."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low, connections = 128, 200
    if hard == resource.RLIM_INFINITY or hard < 2 * connections:
        pytest.skip(f"needs a finite hard open file limit of at least {2 * connections}")
    # The server inherits the limit of this process; restored as soon as it has started.
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    try:
        srv = server_factory(["--log-level", "info"])
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    line = re.search(r"server\.open_files soft=(\d+) hard=(\d+) soft_before=(\d+)",
                     srv.stderr_text())
    assert line, srv.stderr_text()[-2000:]
    assert (int(line.group(1)), int(line.group(2)), int(line.group(3))) == (hard, hard, low)

    async def connect_many():
        clients = await asyncio.gather(*(connect(srv) for _ in range(connections)))
        await close_all(*clients)
        return len(clients)

    assert run(connect_many()) == connections
