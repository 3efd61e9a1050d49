"""Delivery guarantees across crashes: nothing acknowledged is lost, nothing is stored twice.

Several clients in several conversations send concurrently with unique client_msg_ids; the
server is killed with SIGKILL mid-stream and restarted on the same data directory; the clients
reconnect (auth.resume), resend every unacknowledged message with the same client_msg_id and go
on sending; the server is killed a second time; after the last restart every conversation is
checked through msg.history.
"""

import asyncio
import time

import pytest

from client import (Closed, USER_PASSWORD, async_test, close_all, connect, create_user, login,
                    login_admin)

N_CLIENTS = 8
IN_FLIGHT = 4          # requests outstanding per client
ACKS_BEFORE_KILL = 250  # per round, over all clients
MAX_ROUND_SECONDS = 20

FLAGS = ["--requests-per-second", "0"]


class Ledger:
    """What the test knows about every message it ever sent."""

    def __init__(self):
        self.msgs = {}  # client_msg_id -> dict(sender, conv, text, seq, acked, attempts)

    def new(self, sender, conv, cmid):
        self.msgs[cmid] = dict(sender=sender, conv=conv, text=f"text of {cmid}", seq=None,
                               acked=False, attempts=0)
        return self.msgs[cmid]

    def unacked(self, sender):
        return [(cmid, m) for cmid, m in self.msgs.items()
                if m["sender"] == sender and not m["acked"]]

    def acked_count(self):
        return sum(1 for m in self.msgs.values() if m["acked"])


async def send_one(client, ledger, cmid, resend_checks, snapshot):
    m = ledger.msgs[cmid]
    m["attempts"] += 1
    try:
        reply = await client.request("msg.send", conversation_id=m["conv"], client_msg_id=cmid,
                                     text=m["text"], timeout=30)
    except Closed:
        return  # unknown outcome: resent after the restart
    if reply["type"] != "result":
        # An error means nothing was stored (e.g. unavailable while the store is failing).
        assert reply["code"] in ("unavailable", "rate_limited"), reply
        return
    result = reply["result"]
    msg = result["message"]
    assert msg["client_msg_id"] == cmid and msg["conversation_id"] == m["conv"], msg
    assert msg["text"] == m["text"] and msg["sender_id"] == m["sender"], msg
    if m["acked"]:
        assert msg["seq"] == m["seq"], (cmid, msg, m)
    m["seq"], m["acked"] = msg["seq"], True
    if m["attempts"] > 1:
        resend_checks.append((cmid, result["duplicate"], msg["seq"]))
        stored_before = snapshot.get((m["conv"], m["sender"], cmid))
        if stored_before is not None:
            assert result["duplicate"] is True, \
                f"{cmid} was stored before the kill but its resend says duplicate:false"
            assert msg["seq"] == stored_before, (cmid, msg["seq"], stored_before)
        else:
            assert result["duplicate"] is False, \
                f"{cmid} was not stored before the kill but its resend says duplicate:true"


async def run_client(idx, client, convs, ledger, stop, snapshot, resend_checks, new_messages):
    """Resends what is unacknowledged, then sends new messages until stopped or disconnected."""
    window = asyncio.Semaphore(IN_FLIGHT)
    tasks = []

    async def one(cmid):
        try:
            await send_one(client, ledger, cmid, resend_checks, snapshot)
        finally:
            window.release()

    uid = client.user_id
    backlog = [cmid for cmid, _ in ledger.unacked(uid)]
    k = sum(1 for m in ledger.msgs.values() if m["sender"] == uid)
    while not client.closed.is_set():
        await window.acquire()
        if client.closed.is_set():
            window.release()
            break
        if backlog:
            cmid = backlog.pop(0)
        elif new_messages and not stop.is_set():
            cmid = f"c{idx}-m{k}"
            ledger.new(uid, convs[k % len(convs)], cmid)
            k += 1
        else:
            window.release()
            break
        tasks.append(asyncio.create_task(one(cmid)))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r


async def read_all(srv, tokens, membership, name):
    """Every conversation's history, each read by one of its members (resumed by token)."""
    histories, last_seqs = {}, {}
    for conv, members in membership.items():
        reader = await connect(srv, name=f"{name}-{conv}")
        await reader.resume(tokens[members[0]])
        histories[conv] = await reader.history_all(conv, page=200)
        last_seqs[conv] = (await reader.call("conv.get", conversation_id=conv))[
            "conversation"]["last_seq"]
        await reader.close()
    return histories, last_seqs


def check_conversations(histories, ledger, final):
    """Per conversation: seq 1..n without gaps, no (sender, client_msg_id) twice, every
    acknowledged message present once with its acknowledged seq, nothing unknown."""
    for conv, messages in histories.items():
        seqs = [m["seq"] for m in messages]
        assert seqs == list(range(1, len(seqs) + 1)), f"conversation {conv}: seq gap {seqs}"
        keys = [(m["sender_id"], m["client_msg_id"]) for m in messages]
        dups = {k for k in keys if keys.count(k) > 1}
        assert not dups, f"conversation {conv}: stored twice: {sorted(dups)[:5]}"
        for m in messages:
            known = ledger.msgs.get(m["client_msg_id"])
            assert known is not None, f"unknown message {m}"
            assert (known["conv"], known["sender"], known["text"]) == \
                (conv, m["sender_id"], m["text"]), (known, m)
            if known["acked"]:
                assert known["seq"] == m["seq"], (known, m)
        stored = {m["client_msg_id"] for m in messages}
        for cmid, known in ledger.msgs.items():
            if known["conv"] != conv:
                continue
            if known["acked"]:
                assert cmid in stored, f"acknowledged message {cmid} (seq {known['seq']}) lost"
            elif final:
                raise AssertionError(f"{cmid} still unacknowledged at the end")


# A checkpoint round every few commits instead of every 10,000 WAL pages, so that the kills
# come while the background thread copies the WAL into the database file, or just after the
# writer finished a round and the WAL started over.
SMALL_CHECKPOINTS = ["--sqlite-checkpoint-pages", "16"]


@pytest.mark.parametrize("how, synchronous, checkpoints", [
    ("sigkill", "full", "default"),
    pytest.param("sigkill", "normal", "default", marks=pytest.mark.sqlite_only(
        "--sqlite-synchronous normal is a SQLite setting: on MongoDB this is the same run as "
        "sigkill-full")),
    pytest.param("sigkill", "full", "small", marks=pytest.mark.sqlite_only(
        "--sqlite-checkpoint-pages is a SQLite setting: on MongoDB this is the same run as "
        "sigkill-full")),
    ("sigterm", "full", "default")])
@async_test(timeout=290)
async def test_stop_mid_stream_loses_nothing_and_resends_make_no_duplicates(
        server_factory, how, synchronous, checkpoints):
    """With SIGKILL this is a crash of the process (synchronous=normal is documented as durable
    against that too); with SIGTERM the graceful shutdown must also close every session with
    1001 and exit 0."""
    flags = FLAGS + ["--sqlite-synchronous", synchronous]
    if checkpoints == "small":
        flags += SMALL_CHECKPOINTS
    srv = server_factory(flags)
    rounds_before_kill = []
    admin = await login_admin(srv)
    names = [f"dur{i}" for i in range(N_CLIENTS)]
    for name in names:
        await create_user(admin, name)
    clients = [await login(srv, name) for name in names]
    tokens = [c.token for c in clients]
    uids = [c.user_id for c in clients]

    # Conversations of different shapes; each client sends to those it belongs to.
    everyone = (await clients[0].call("conv.create", kind="group", name="everyone", topic="",
                                      member_ids=uids[1:]))["conversation"]["id"]
    low = (await clients[1].call("conv.create", kind="group", name="low", topic="",
                                 member_ids=[uids[0], uids[2], uids[3]]))["conversation"]["id"]
    high = (await clients[4].call("conv.create", kind="group", name="high", topic="",
                                  member_ids=uids[5:]))["conversation"]["id"]
    direct = (await clients[0].call("conv.open_direct", user_id=uids[1]))["conversation"]["id"]
    chan = (await clients[5].call("conv.create", kind="channel", name="chan", topic="",
                                  member_ids=[]))["conversation"]["id"]
    for i in (2, 3, 6):
        await clients[i].call("conv.join", conversation_id=chan)
    membership = {everyone: tuple(range(8)), low: (0, 1, 2, 3), high: (4, 5, 6, 7),
                  direct: (0, 1), chan: (2, 3, 5, 6)}
    convs_of = [[c for c, members in membership.items() if i in members]
                for i in range(N_CLIENTS)]
    await admin.close()

    ledger = Ledger()
    resend_checks = []
    inflight_at_kill = []
    shutdown_seconds = []

    for round_no in range(3):
        final = round_no == 2
        if round_no > 0:
            srv.restart()
            # What survived the crash, before anyone resends.
            histories, _ = await read_all(srv, tokens, membership, f"checker-r{round_no}")
            check_conversations(histories, ledger, final=False)
            snapshot = {(conv, m["sender_id"], m["client_msg_id"]): m["seq"]
                        for conv, messages in histories.items() for m in messages}
            # Sessions survive the crash: every client resumes with its token.
            clients = []
            for i, token in enumerate(tokens):
                c = await connect(srv, name=f"{names[i]}-r{round_no}")
                await c.resume(token)
                clients.append(c)
        else:
            snapshot = {}

        stop = asyncio.Event()
        acked_before = ledger.acked_count()
        runners = [asyncio.create_task(run_client(i, clients[i], convs_of[i], ledger, stop,
                                                  snapshot, resend_checks, not final))
                   for i in range(N_CLIENTS)]
        if not final:
            started = time.monotonic()
            while (ledger.acked_count() - acked_before < ACKS_BEFORE_KILL
                   and time.monotonic() - started < MAX_ROUND_SECONDS):
                await asyncio.sleep(0.01)
                for r in runners:
                    if r.done() and r.exception():
                        raise r.exception()
            # Group commit answers a whole batch at once, so for an instant every reply can be
            # in and no new request sent yet: kill only once requests are out again.
            inflight, deadline = 0, time.monotonic() + 5
            while time.monotonic() < deadline:
                inflight = sum(len(c._pending) for c in clients)
                if inflight:
                    break
                await asyncio.sleep(0.001)
            inflight_at_kill.append(inflight)
            if checkpoints == "small":
                metrics = await asyncio.to_thread(srv.metrics)
                rounds_before_kill.append(metrics["messenger_sqlite_checkpoint_rounds_total"])
                # Bounded near the interval (the writer's own limit is 64 frames, plus a commit).
                assert 0 < metrics["messenger_sqlite_wal_frames"] < 16 * 40, metrics
            # In a thread: the clients must go on reading (and answer the close handshake).
            if how == "sigkill":
                await asyncio.to_thread(srv.kill)
            else:
                t0 = time.monotonic()
                rc = await asyncio.to_thread(srv.stop)
                shutdown_seconds.append(round(time.monotonic() - t0, 2))
                assert rc == 0, f"exit code {rc} after SIGTERM\n{srv.describe()}"
            stop.set()
        await asyncio.wait_for(asyncio.gather(*runners), 60)
        if not final and how == "sigterm":
            codes = [await c.wait_closed() for c in clients]
            assert set(codes) == {1001}, f"close codes after SIGTERM: {codes}"
        await close_all(*clients)

    dup_true = sum(1 for _, dup, _ in resend_checks if dup)
    print(f"messages {len(ledger.msgs)}, requests in flight at the kills {inflight_at_kill}, "
          f"resent {len(resend_checks)} (already stored: {dup_true}), "
          f"SIGTERM to exit {shutdown_seconds} s, checkpoint rounds before the kills "
          f"{rounds_before_kill}")
    assert all(n > 0 for n in inflight_at_kill), \
        f"the kills did not happen mid-stream: {inflight_at_kill}"
    if checkpoints == "small":
        assert all(n >= 3 for n in rounds_before_kill), \
            f"too few checkpoint rounds before the kills: {rounds_before_kill}"
    if how == "sigkill":
        assert resend_checks, "nothing had to be resent"

    # Final verification: everything is acknowledged now, exactly once, without gaps.
    histories, last_seqs = await read_all(srv, tokens, membership, "final-checker")
    check_conversations(histories, ledger, final=True)
    total = sum(len(h) for h in histories.values())
    assert total == len(ledger.msgs), (total, len(ledger.msgs))
    for conv, messages in histories.items():
        assert last_seqs[conv] == len(messages), (conv, last_seqs[conv], len(messages))

    # The restarted server delivers live again.
    a = await connect(srv, name="live-a")
    await a.resume(tokens[0])
    b = await connect(srv, name="live-b")
    await b.resume(tokens[1])
    sent = await a.send_msg(direct, "after all that", "live-after")
    assert sent["message"]["seq"] == len(histories[direct]) + 1
    await b.next_event("message.new", lambda e: e["message"]["client_msg_id"] == "live-after")
    await close_all(a, b)


@async_test(timeout=120)
async def test_acknowledged_before_sigkill_survive_with_full_sync(server_factory):
    srv = server_factory(FLAGS + ["--sqlite-synchronous", "full"])
    admin = await login_admin(srv)
    await create_user(admin, "kira")
    kira = await login(srv, "kira")
    conv = (await kira.call("conv.create", kind="group", name="solo", topic="",
                            member_ids=[]))["conversation"]["id"]
    acked = []
    for i in range(30):
        acked.append((await kira.send_msg(conv, f"k{i}", f"k{i}"))["message"])
    await kira.call("msg.edit", conversation_id=conv, seq=3, text="k2 edited")
    await kira.call("msg.delete", conversation_id=conv, seq=4)
    await kira.call("msg.read", conversation_id=conv, seq=30)
    await kira.call("settings.set", settings={"theme": "light"})
    token = kira.token
    await asyncio.to_thread(srv.kill)
    await kira.wait_closed()
    await close_all(admin, kira)

    srv.restart()
    back = await connect(srv, name="kira-back")
    await back.resume(token)
    history = await back.history_all(conv)
    assert [m["seq"] for m in history] == list(range(1, 31))
    assert history[2]["text"] == "k2 edited" and history[2]["edited_at"] > 0
    assert history[3]["deleted"] is True and history[3]["text"] == ""
    assert [m["text"] for m in history[4:]] == [f"k{i}" for i in range(4, 30)]
    summary = next(s for s in (await back.call("conv.list"))["conversations"]
                   if s["conversation"]["id"] == conv)
    assert summary["last_read"] == 30 and summary["unread"] == 0
    assert (await back.call("settings.get"))["settings"] == {"theme": "light"}
    # Login with the password still works after the crash, too.
    again = await login(srv, "kira", password=USER_PASSWORD, name="kira-login")
    await close_all(back, again)
