"""The MongoDB store end to end (issue 3): two servers on one database, MongoDB going away under
load and coming back, an unreachable MongoDB at start, and `messenger-server migrate` from SQLite.

These tests always run on MongoDB, whatever MESSENGER_TEST_STORE says: the session's server
(MESSENGER_TEST_MONGO_URI, else FerretDB from MESSENGER_FERRETDB), except the outage test, which
starts and stops a FerretDB of its own. pymongo is used only to look at the database directly
(that a refused migration changed nothing); every protocol check goes through the server.
"""

import asyncio
import json
import re
import signal
import subprocess
import threading
import time

import pytest

from client import (Closed, USER_PASSWORD, async_test, close_all, connect, create_user, login,
                    login_admin, run)
from harness import (ADMIN_PASSWORD, FerretDBProcess, ferretdb_binary, free_port_reserved,
                     mongo_database_name, pymongo_client, server_binary)

FAST = ["--requests-per-second", "0"]
# Short MongoDB timeouts, so that a missing MongoDB shows within seconds.
SHORT_MONGO_TIMEOUTS = ["--mongo-server-selection-timeout-ms", "1000",
                        "--mongo-socket-timeout-ms", "2000"]

FIRST_START = "First start: created administrator"
MIGRATED_RE = re.compile(r"migrated (\d+) users, (\d+) conversations, (\d+) members, "
                         r"(\d+) messages; counts verified")


# ---------------------------------------------------------------------------------------------
# Two servers on one database


N_PER_SERVER = 4
MESSAGES_PER_CLIENT = 60
WINDOW = 4  # requests in flight per client


def start_two_servers(server_factory, mongo_server, database_dir):
    """Servers "a" and "b" on one fresh database, one after the other (starting both at once is
    a test of its own): the first creates the administrator, the second finds it."""
    uri = mongo_server.fresh_uri(mongo_database_name(database_dir))
    return server_factory(FAST, store=uri, name="a"), server_factory(FAST, store=uri, name="b")


@async_test(timeout=280)
async def test_two_servers_on_one_database_keep_seqs_unique_and_gap_free(
        server_factory, mongo_server, tmp_path):
    a, b = start_two_servers(server_factory, mongo_server, tmp_path / "shared")
    assert any(FIRST_START in line for line in a.stdout_lines), a.stdout_lines
    assert not any(FIRST_START in line for line in b.stdout_lines), \
        f"the second server created another administrator: {b.stdout_lines}"

    admin = await login_admin(a)
    everyone = (await admin.call("directory.search", query="", department="", limit=200))["users"]
    assert [u["username"] for u in everyone] == ["admin"], everyone
    names = [f"tw{i}" for i in range(2 * N_PER_SERVER)]
    for name in names:
        await create_user(admin, name)
    await admin.close()
    # Users created through server a log in through server b as well.
    clients = [await login(a if i < N_PER_SERVER else b, name, name=f"{name}@{'ab'[i >= N_PER_SERVER]}")
               for i, name in enumerate(names)]
    conv = (await clients[0].call("conv.create", kind="group", name="both", topic="",
                                  member_ids=[c.user_id for c in clients[1:]]))[
        "conversation"]["id"]
    seen_on_b = (await clients[N_PER_SERVER].call("conv.get", conversation_id=conv))[
        "conversation"]
    assert len(seen_on_b["members"]) == len(names)

    acks = {}  # client_msg_id -> (server name, seq)

    async def sender(idx, client):
        srv_name = "a" if idx < N_PER_SERVER else "b"
        window = asyncio.Semaphore(WINDOW)

        async def one(k):
            async with window:
                cmid = f"tw{idx}-{k}"
                result = await client.call("msg.send", conversation_id=conv, client_msg_id=cmid,
                                           text=f"{srv_name} {cmid}")
                msg = result["message"]
                assert result["duplicate"] is False, result
                assert msg["client_msg_id"] == cmid and msg["sender_id"] == client.user_id
                acks[cmid] = (srv_name, msg["seq"])

        await asyncio.gather(*(one(k) for k in range(MESSAGES_PER_CLIENT)))

    started = time.monotonic()
    await asyncio.gather(*(sender(i, c) for i, c in enumerate(clients)))
    elapsed = time.monotonic() - started
    n = len(names) * MESSAGES_PER_CLIENT
    assert len(acks) == n
    seqs = sorted(seq for _, seq in acks.values())
    assert seqs == list(range(1, n + 1)), \
        f"acknowledged seqs are not unique and gap-free: {_seq_problems(seqs)}"
    # The two servers really wrote at the same time: their seqs interleave.
    a_seqs = sorted(seq for srv, seq in acks.values() if srv == "a")
    b_seqs = sorted(seq for srv, seq in acks.values() if srv == "b")
    assert a_seqs[0] < b_seqs[-1] and b_seqs[0] < a_seqs[-1], (a_seqs[:3], b_seqs[:3])
    print(f"{n} messages through two servers in {elapsed:.1f} s ({n / elapsed:.0f}/s)")

    # Both servers read the same history: every acknowledged message once, with its seq.
    histories = []
    for reader in (clients[0], clients[N_PER_SERVER]):
        history = await reader.history_all(conv, page=100)
        assert [m["seq"] for m in history] == list(range(1, n + 1)), \
            _seq_problems([m["seq"] for m in history])
        assert {m["client_msg_id"]: m["seq"] for m in history} == \
            {cmid: seq for cmid, (_, seq) in acks.items()}
        got = (await reader.call("conv.get", conversation_id=conv))["conversation"]
        assert got["last_seq"] == n, got
        histories.append(history)
    assert histories[0] == histories[1]

    # And both go on: the next message through either server takes the next seq.
    nxt = await clients[N_PER_SERVER].send_msg(conv, "after the race", "tw-after-b")
    assert nxt["message"]["seq"] == n + 1
    nxt = await clients[0].send_msg(conv, "after the race", "tw-after-a")
    assert nxt["message"]["seq"] == n + 2
    await close_all(*clients)


@async_test(timeout=120)
async def test_a_membership_change_through_one_server_applies_on_the_other_at_once(
        server_factory, mongo_server, tmp_path):
    # Each server keeps a conversation and its members for one batch of requests only: server b
    # has just read the group (bob sent to it) when server a invites carol and later removes her.
    a, b = start_two_servers(server_factory, mongo_server, tmp_path / "members")
    admin = await login_admin(a)
    for name in ("mem_alice", "mem_bob", "mem_carol"):
        await create_user(admin, name)
    await admin.close()
    alice = await login(a, "mem_alice")
    bob = await login(b, "mem_bob")
    carol = await login(b, "mem_carol")
    conv = (await alice.call("conv.create", kind="group", name="members", topic="",
                             member_ids=[bob.user_id]))["conversation"]["id"]
    await bob.send_msg(conv, "before carol", "mem-1")
    await carol.expect_error("not_member", "msg.send", conversation_id=conv,
                             client_msg_id="mem-2", text="not yet")

    await alice.call("conv.invite", conversation_id=conv, user_ids=[carol.user_id])
    sent = await carol.send_msg(conv, "invited through a, sent through b", "mem-3")
    assert sent["message"]["seq"] == 2, sent
    await bob.send_msg(conv, "carol is in", "mem-4")

    await alice.call("conv.remove_member", conversation_id=conv, user_id=carol.user_id)
    await carol.expect_error("not_member", "msg.send", conversation_id=conv,
                             client_msg_id="mem-5", text="removed through a")
    seqs = [m["seq"] for m in await bob.history_all(conv, page=100)]
    assert seqs == [1, 2, 3], seqs
    await close_all(alice, bob, carol)


@pytest.mark.parametrize("attempt", range(3))
def test_two_servers_starting_at_once_on_an_empty_database(server_factory, mongo_server,
                                                           tmp_path, attempt):
    """Both create the indexes and look for the first administrator at the same moment, with
    the same --admin-password: both start, exactly one creates it, and it can log in through
    either. (Repeated: the race goes a different way each time.)"""
    uri = mongo_server.fresh_uri(mongo_database_name(tmp_path / "shared"))
    starts = []

    def start(name):
        try:
            starts.append(server_factory(FAST, store=uri, name=name))
        except Exception as e:  # noqa: BLE001 - reported below with the other server's fate
            starts.append(e)

    threads = [threading.Thread(target=start, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [str(x) for x in starts if isinstance(x, Exception)]
    assert not failed, "a server did not start beside the other:\n" + "\n\n".join(failed)
    creators = [srv.workdir.name for srv in starts
                if any(FIRST_START in line for line in srv.stdout_lines)]
    assert len(creators) == 1, f"the first administrator was created by {creators}"

    async def body():
        for srv in starts:
            admin = await login_admin(srv, name=f"admin@{srv.workdir.name}")
            users = (await admin.call("directory.search", query="", department="",
                                      limit=200))["users"]
            assert [u["username"] for u in users] == ["admin"], users
            await admin.close()

    run(body(), 60)


def _seq_problems(seqs):
    missing = sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
    dups = sorted({s for s in seqs if seqs.count(s) > 1})
    return f"{len(seqs)} seqs, missing {missing[:10]}, duplicated {dups[:10]}"


# ---------------------------------------------------------------------------------------------
# MongoDB goes away under load and comes back


UNAVAILABLE_WITHIN = 10.0   # s from stopping MongoDB to the first `unavailable` reply
REPLY_WITHIN = 10.0         # s: no request waits longer than this for its reply while it is down
OUTAGE_SECONDS = 4.0        # how long MongoDB stays down after the first `unavailable`
RECOVERY_WITHIN = 15.0      # s from MongoDB's restart to the first acknowledged send
OUTAGE_CLIENTS = 4
OUTAGE_WORKERS = 3          # requests in flight per client


@pytest.fixture
def ferretdb(tmp_path):
    """A FerretDB of the test's own, which the test may stop and start again."""
    binary = ferretdb_binary()
    if not binary:
        pytest.fail("this test stops and restarts a FerretDB of its own and needs its binary: "
                    "set MESSENGER_FERRETDB (tests/ferretdb/build.sh builds it)", pytrace=False)
    fdb = FerretDBProcess(binary, tmp_path / "ferretdb-data", tmp_path / "ferretdb")
    fdb.start()
    yield fdb
    fdb.close()


class OutageLedger:
    def __init__(self):
        self.msgs = {}      # client_msg_id -> dict(sender, text, seq, acked, attempts)
        self.replies = []   # (sent at, answered at, "ok" | error code)
        self.acks = 0

    def acks_sent_after(self, t):
        return [r for r in self.replies if r[2] == "ok" and r[0] >= t]


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
@async_test(timeout=280)
async def test_mongodb_going_away_under_load(ferretdb, server_factory, how):
    srv = server_factory(FAST + SHORT_MONGO_TIMEOUTS, store=ferretdb.uri("e2e_outage"))
    admin = await login_admin(srv)
    names = [f"out{i}" for i in range(OUTAGE_CLIENTS)]
    for name in names:
        await create_user(admin, name)
    clients = [await login(srv, name) for name in names]
    conv = (await clients[0].call("conv.create", kind="group", name="outage", topic="",
                                  member_ids=[c.user_id for c in clients[1:]]))[
        "conversation"]["id"]
    probe = await login(srv, names[0], name="probe")  # reads while MongoDB is down

    ledger = OutageLedger()
    stop_new = asyncio.Event()
    failures = []

    async def worker(ci, wi):
        client = clients[ci]
        k = 0
        while True:
            # A real client resends its unacknowledged message (same client_msg_id) before it
            # sends anything new.
            if stop_new.is_set():
                return
            cmid = f"out{ci}-w{wi}-{k}"
            k += 1
            m = ledger.msgs[cmid] = dict(sender=client.user_id, text=f"text {cmid}", seq=None,
                                         acked=False, attempts=0)
            while not m["acked"]:
                m["attempts"] += 1
                sent = time.monotonic()
                try:
                    reply = await client.request("msg.send", conversation_id=conv,
                                                 client_msg_id=cmid, text=m["text"], timeout=30)
                except Closed as e:
                    failures.append(f"{client.name}: connection closed: {e}")
                    return
                answered = time.monotonic()
                if reply["type"] == "result":
                    msg = reply["result"]["message"]
                    if msg["client_msg_id"] != cmid or msg["text"] != m["text"]:
                        failures.append(f"wrong message acknowledged: {reply}")
                    m["seq"], m["acked"] = msg["seq"], True
                    ledger.acks += 1
                    ledger.replies.append((sent, answered, "ok"))
                else:
                    ledger.replies.append((sent, answered, reply.get("code")))
                    if reply.get("code") != "unavailable":
                        failures.append(f"msg.send answered {reply} (expected unavailable)")
                        return
                    await asyncio.sleep(0.1)  # back off, then resend the same message

    async def wait_for(predicate, within, what):
        deadline = time.monotonic() + within
        while not predicate():
            if failures:
                raise AssertionError("; ".join(failures[:5]))
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not within {within} s")
            await asyncio.sleep(0.02)

    workers = [asyncio.create_task(worker(ci, wi))
               for ci in range(OUTAGE_CLIENTS) for wi in range(OUTAGE_WORKERS)]
    try:
        await wait_for(lambda: ledger.acks >= 150, 60, "150 acknowledged sends before the stop")

        # MongoDB goes away.
        down_at = time.monotonic()
        await asyncio.to_thread(ferretdb.stop, signal.SIGTERM if how == "sigterm"
                                else signal.SIGKILL)
        await wait_for(lambda: any(r[2] == "unavailable" and r[1] >= down_at
                                   for r in ledger.replies),
                       UNAVAILABLE_WITHIN, "an `unavailable` reply after MongoDB stopped")
        first_unavailable = min(r[1] for r in ledger.replies
                                if r[2] == "unavailable" and r[1] >= down_at)
        outage_end = time.monotonic() + OUTAGE_SECONDS
        health = []
        reads = []
        while time.monotonic() < outage_end:
            assert srv.alive(), f"the server exited while MongoDB was down\n{srv.describe()}"
            status, _ = await asyncio.to_thread(srv.http_get, "/healthz", 5)
            health.append(status)
            t0 = time.monotonic()
            reply = await probe.request("msg.history", conversation_id=conv, after=0, limit=10,
                                        timeout=30)
            reads.append((reply["type"], reply.get("code"), round(time.monotonic() - t0, 2)))
            await asyncio.sleep(0.5)
        acked_during = [r for r in ledger.acks_sent_after(first_unavailable + 0.5)]
        assert not acked_during, \
            f"sends were acknowledged while MongoDB was down: {len(acked_during)}"

        # MongoDB comes back on the same port with the same data; the server recovers alone.
        up_at = time.monotonic()
        await asyncio.to_thread(ferretdb.start, 10)
        await wait_for(lambda: ledger.acks_sent_after(up_at), RECOVERY_WITHIN,
                       "an acknowledged send after MongoDB came back")
        recovered_after = min(r[1] for r in ledger.acks_sent_after(up_at)) - up_at
        acks_at_recovery = ledger.acks
        await wait_for(lambda: ledger.acks >= acks_at_recovery + 100, 60,
                       "100 more acknowledged sends after the recovery")
        stop_new.set()
        # Every worker now resends its last unacknowledged message until it is acknowledged.
        await asyncio.wait_for(asyncio.gather(*workers), 60)
    finally:
        stop_new.set()
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    assert not failures, failures[:5]

    errors = [r for r in ledger.replies if r[2] != "ok"]
    slowest_error = max((r[1] - r[0] for r in errors), default=0.0)
    resent = sum(1 for m in ledger.msgs.values() if m["attempts"] > 1)
    print(f"{how}: {len(ledger.msgs)} messages, first `unavailable` "
          f"{first_unavailable - down_at:.2f} s after the stop, MongoDB back at "
          f"{up_at - down_at:.2f} s, {len(errors)} `unavailable` replies (slowest "
          f"{slowest_error:.2f} s), first ack {recovered_after:.2f} s after the restart, "
          f"{resent} messages resent; /healthz {health}; reads while down (type, code, s) "
          f"{reads}")

    # Nothing acknowledged is lost, nothing is stored twice, the seqs have no gap.
    history = await probe.history_all(conv, page=200)
    seqs = [m["seq"] for m in history]
    assert seqs == list(range(1, len(seqs) + 1)), _seq_problems(seqs)
    stored = {}
    for m in history:
        assert m["client_msg_id"] not in stored, f"stored twice: {m}"
        stored[m["client_msg_id"]] = m
    for cmid, m in ledger.msgs.items():
        assert m["acked"], f"{cmid} was never acknowledged"
        assert cmid in stored, f"acknowledged message {cmid} (seq {m['seq']}) lost"
        assert stored[cmid]["seq"] == m["seq"] and stored[cmid]["text"] == m["text"], \
            (stored[cmid], m)
    assert len(stored) == len(ledger.msgs), (len(stored), len(ledger.msgs))
    got = (await probe.call("conv.get", conversation_id=conv))["conversation"]
    assert got["last_seq"] == len(history)
    assert resent > 0, "no message had to be resent: the outage did not hit a send"

    # While MongoDB was down: `unavailable` within the bound, the server up, /healthz answering.
    slow = [(round(r[0] - down_at, 2), round(r[1] - r[0], 2)) for r in errors
            if r[1] - r[0] > REPLY_WITHIN]
    assert not slow, \
        f"{len(slow)} `unavailable` replies took longer than {REPLY_WITHIN} s; (sent at, took) " \
        f"in s from MongoDB's stop: {slow[:20]}; MongoDB restarted at {up_at - down_at:.2f} s"
    assert set(health) <= {200, 503}, f"/healthz while MongoDB was down: {health}"
    for rtype, code, seconds in reads:
        assert rtype == "result" or code == "unavailable", reads
        assert seconds <= REPLY_WITHIN, reads
    assert srv.alive()
    await close_all(admin, probe, *clients)


# ---------------------------------------------------------------------------------------------
# Unreachable MongoDB at start


FAIL_WITHIN = 10.0  # s, with --mongo-server-selection-timeout-ms 1000


def test_unreachable_mongodb_at_start_fails_fast_naming_the_address(tmp_path):
    sock, port = free_port_reserved()  # bound, not listening: connections are refused
    try:
        started = time.monotonic()
        out = subprocess.run(
            [server_binary(), "--port", "0", "--bind", "127.0.0.1",
             "--data-dir", str(tmp_path / "data"), "--admin-password", ADMIN_PASSWORD,
             "--password-opslimit", "1", "--password-memlimit", "8192",
             "--store", f"mongodb://127.0.0.1:{port}/e2e_unreachable",
             "--mongo-server-selection-timeout-ms", "1000"],
            capture_output=True, timeout=60, text=True, stdin=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert out.returncode != 0, out
    assert "listening" not in out.stdout, out.stdout
    assert f"127.0.0.1:{port}" in out.stderr, \
        f"the error should name the address 127.0.0.1:{port}: {out.stderr!r}"
    assert elapsed < FAIL_WITHIN, f"took {elapsed:.1f} s to fail (bound {FAIL_WITHIN} s)"


# ---------------------------------------------------------------------------------------------
# migrate: SQLite -> MongoDB


def run_migrate(*args, timeout=120):
    started = time.monotonic()
    out = subprocess.run([server_binary(), "migrate", *args], capture_output=True,
                         timeout=timeout, text=True, stdin=subprocess.DEVNULL)
    return out, time.monotonic() - started


def dump_database(uri, database):
    """Every document of every collection (and the index names), to compare before and after."""
    client = pymongo_client(uri)
    try:
        db = client[database]
        dump = {}
        for name in sorted(db.list_collection_names()):
            docs = [json.dumps(d, sort_keys=True, default=str) for d in db[name].find()]
            indexes = sorted(ix["name"] for ix in db[name].list_indexes())
            dump[name] = (sorted(docs), indexes)
        return dump
    finally:
        client.close()


def strip_volatile(user):
    """A user without what changes by logging in: presence and last_seen."""
    return {k: v for k, v in user.items() if k not in ("presence", "last_seen")}


async def sync_all(client, conv):
    messages, after = [], 0
    while True:
        result = await client.call("msg.sync", conversation_id=conv, after_rev=after, limit=100)
        messages += result["messages"]
        if not result["messages"] or not result["has_more"]:
            return messages
        after = result["messages"][-1]["rev"]


async def snapshot(srv, passwords, disabled):
    """What each user sees, through the protocol: their own user, their conversations (summary
    with members, last message, unread, last read), every history and revision log, their
    settings; and the directory as the administrator sees it (disabled users included)."""
    view = {}
    admin = await login_admin(srv, name="snap-admin")
    directory = (await admin.call("directory.search", query="", department="", limit=100))[
        "users"]
    view["directory"] = sorted((strip_volatile(u) for u in directory), key=lambda u: u["id"])
    view["searches"] = [
        [u["username"] for u in (await admin.call("directory.search", query=q, department=d,
                                                  limit=100))["users"]]
        for q, d in (("ALI", ""), ("smith", ""), ("", "R&D"), ("lead", "Sales"), ("nobody", ""))]
    view["browse"] = (await admin.call("conv.browse", query=""))["channels"]
    for username, password in passwords.items():
        c = await login(srv, username, password=password, name=f"snap-{username}")
        me = (await c.call("user.me"))["user"]
        convs = (await c.call("conv.list"))["conversations"]
        histories, syncs = {}, {}
        for summary in convs:
            cid = summary["conversation"]["id"]
            histories[cid] = await c.history_all(cid, page=7)
            syncs[cid] = await sync_all(c, cid)
        view[username] = dict(
            me=strip_volatile(me),
            conversations=sorted(convs, key=lambda s: s["conversation"]["id"]),
            order=[s["conversation"]["id"] for s in convs],
            histories=histories, syncs=syncs,
            settings=(await c.call("settings.get"))["settings"])
        await c.close()
    for username in disabled:
        c = await connect(srv, name=f"snap-{username}")
        view[f"{username} login"] = await c.error("auth.login", username=username,
                                                  password=USER_PASSWORD, device="d")
        await c.close()
    await admin.close()
    return view


@async_test(timeout=280)
async def test_migrate_from_sqlite_to_mongodb(server_factory, mongo_server, tmp_path):
    # ---- an installation on SQLite (the default store) ----
    src = server_factory(FAST, store="sqlite", name="sqlite-src")
    db_path = src.data_dir / "messenger.db"
    assert db_path.exists(), "the SQLite store is messenger.db in the data directory"
    admin = await login_admin(src)
    alice_u = await create_user(admin, "alice", display_name="Alice Smith", department="Sales",
                                title="Lead", email="alice@example.com")
    bob_u = await create_user(admin, "bob")
    carol_u = await create_user(admin, "carol", display_name="Carol Ünal", department="R&D")
    dave_u = await create_user(admin, "dave", is_admin=True)
    erin_u = await create_user(admin, "erin")
    alice, bob, carol, dave = [await login(src, n) for n in ("alice", "bob", "carol", "dave")]
    await alice.call("user.update_profile", title="Head of sales", status_text="In the office ☕")
    await alice.call("settings.set", settings={
        "theme": "dark", "notifications": {"sound": True, "desktop": False},
        "language": "de", "pinned": [3, 1, 2]})
    await bob.call("settings.set", settings={"theme": "light"})
    await carol.call("auth.change_password", old_password=USER_PASSWORD,
                     new_password="carol-new-pw-1")
    await admin.call("admin.user.set_disabled", user_id=erin_u["id"], disabled=True)

    direct = (await alice.call("conv.open_direct", user_id=bob_u["id"]))["conversation"]["id"]
    group = (await alice.call("conv.create", kind="group", name="Launch", topic="Q3 launch",
                              member_ids=[bob_u["id"], carol_u["id"]]))["conversation"]["id"]
    channel = (await carol.call("conv.create", kind="channel", name="random",
                                topic="anything goes", member_ids=[]))["conversation"]["id"]
    await alice.call("conv.join", conversation_id=channel)
    await dave.call("conv.join", conversation_id=channel)
    old = (await dave.call("conv.create", kind="group", name="Old project", topic="",
                           member_ids=[alice_u["id"]]))["conversation"]["id"]
    empty = (await bob.call("conv.create", kind="group", name="Quiet", topic="",
                            member_ids=[carol_u["id"]]))["conversation"]["id"]

    k = 0

    async def say(client, conv, text):
        nonlocal k
        k += 1
        return (await client.send_msg(conv, text, f"mig-{k}"))["message"]

    for i in range(3):
        await say(alice, direct, f"hi bob {i}")
        await say(bob, direct, f"hi alice {i}")
    for i in range(4):
        for c in (alice, bob, carol):
            await say(c, group, f"{c.name} on the launch {i} — ✓")
    await say(carol, channel, "welcome to random")
    await say(alice, channel, "hello all")
    await say(dave, channel, "hey")
    await say(dave, old, "the old project")
    await say(alice, old, "indeed")
    await alice.call("msg.edit", conversation_id=group, seq=1, text="edited launch note")
    await bob.call("msg.delete", conversation_id=direct, seq=4)
    await carol.call("msg.edit", conversation_id=group, seq=3, text="carol, edited")
    await carol.call("msg.delete", conversation_id=group, seq=6)
    await dave.call("conv.archive", conversation_id=old)
    await bob.call("msg.read", conversation_id=direct, seq=3)
    await alice.call("msg.read", conversation_id=group, seq=7)
    await carol.call("msg.read", conversation_id=group, seq=12)
    await alice.call("msg.read", conversation_id=channel, seq=3)
    await dave.call("msg.read", conversation_id=channel, seq=1)
    await close_all(admin, alice, bob, carol, dave)

    passwords = {"admin": ADMIN_PASSWORD, "alice": USER_PASSWORD, "bob": USER_PASSWORD,
                 "carol": "carol-new-pw-1", "dave": USER_PASSWORD}
    before = await snapshot(src, passwords, disabled=["erin"])
    assert before["erin login"] == "account_disabled"
    assert src.stop() == 0

    convs = {}
    for username in passwords:
        for summary in before[username]["conversations"]:
            convs[summary["conversation"]["id"]] = summary["conversation"]
    assert set(convs) == {direct, group, channel, old, empty}
    n_users = len(before["directory"])
    n_members = sum(len(c["members"]) for c in convs.values())
    n_messages = sum(c["last_seq"] for c in convs.values())
    assert (n_users, n_members) == (6, 12)

    # ---- migrate ----
    target = mongo_database_name(tmp_path / "migrated")
    uri = mongo_server.fresh_uri(target)
    out, seconds = run_migrate("--from", str(db_path), "--to", uri)
    assert out.returncode == 0, f"migrate failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
    m = MIGRATED_RE.search(out.stdout)
    assert m, f"no summary line on stdout: {out.stdout!r} (stderr {out.stderr!r})"
    assert tuple(int(x) for x in m.groups()) == (n_users, len(convs), n_members, n_messages), \
        m.group(0)
    print(f"migrate: {m.group(0)} in {seconds:.2f} s")
    assert db_path.exists()

    # ---- a second migration into the same (now non-empty) database is refused ----
    dumped = dump_database(mongo_server.base_uri, target)
    assert dumped, "the migrated database has no collections"
    again, _ = run_migrate("--from", str(db_path), "--to", uri)
    assert again.returncode != 0, f"a second migration into {target} succeeded: {again.stdout}"
    assert "listening" not in again.stdout
    assert re.search(r"empty|exist|already|contains", again.stderr, re.I) and \
        target in again.stderr, f"unclear message: {again.stderr!r}"
    assert dump_database(mongo_server.base_uri, target) == dumped, \
        "a refused migration changed the database"

    # ---- bad input ----
    missing = tmp_path / "typo" / "messenger.db"  # the folder exists, the file does not
    missing.parent.mkdir()
    fresh = mongo_database_name(tmp_path / "never")
    out, _ = run_migrate("--from", str(missing), "--to", mongo_server.fresh_uri(fresh))
    assert out.returncode != 0, out
    assert str(missing) in out.stderr, f"the message should name the file: {out.stderr!r}"
    assert not missing.exists(), "a migration from a missing file created it"
    assert dump_database(mongo_server.base_uri, fresh) == {}, \
        "a migration from a missing file wrote to the target database"

    sock, port = free_port_reserved()
    try:
        out, seconds = run_migrate("--from", str(db_path), "--to",
                                   f"mongodb://127.0.0.1:{port}/e2e_unreachable",
                                   "--mongo-server-selection-timeout-ms", "1000")
    finally:
        sock.close()
    assert out.returncode != 0, out
    assert f"127.0.0.1:{port}" in out.stderr, \
        f"the message should name the address: {out.stderr!r}"
    assert seconds < FAIL_WITHIN, f"took {seconds:.1f} s to fail (bound {FAIL_WITHIN} s)"

    # ---- the same installation on MongoDB ----
    dst = server_factory(FAST, store=uri, name="mongo-dst")
    assert not any(FIRST_START in line for line in dst.stdout_lines), \
        f"the migrated users were not found: {dst.stdout_lines}"
    after = await snapshot(dst, passwords, disabled=["erin"])
    for key in before:
        assert after[key] == before[key], f"{key} differs after the migration:\n" \
            f"before {json.dumps(before[key], sort_keys=True)[:3000]}\n" \
            f"after  {json.dumps(after[key], sort_keys=True)[:3000]}"

    # New messages continue after the migrated ones (seq and rev).
    alice = await login(dst, "alice")
    carol = await login(dst, "carol", password="carol-new-pw-1")
    for conv, sender in ((direct, alice), (group, alice), (channel, carol), (empty, carol)):
        sent = (await sender.send_msg(conv, "on MongoDB now", f"after-{conv}"))["message"]
        assert sent["seq"] == convs[conv]["last_seq"] + 1, (conv, sent, convs[conv])
        assert sent["rev"] > convs[conv]["last_rev"], (conv, sent, convs[conv])
    await alice.expect_error("archived", "msg.send", conversation_id=old,
                             client_msg_id="after-old", text="x")
    # A new conversation does not reuse a migrated id.
    new = (await alice.call("conv.create", kind="group", name="New", topic="",
                            member_ids=[carol.user_id]))["conversation"]["id"]
    assert new not in convs, (new, sorted(convs))
    await close_all(alice, carol)
