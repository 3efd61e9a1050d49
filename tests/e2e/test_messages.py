"""Messages: send, fan-out, dedup, history, sync, edit, delete, read markers, catch-up."""

import asyncio

import pytest

from client import async_test, close_all, login, make_users, resume

MESSAGE_FIELDS = {"conversation_id", "seq", "rev", "sender_id", "client_msg_id", "text",
                  "created_at", "edited_at", "deleted"}


async def group_of(owner, *others, name="Group"):
    result = await owner.call("conv.create", kind="group", name=name, topic="",
                              member_ids=[o.user_id for o in others])
    return result["conversation"]["id"]


@async_test()
async def test_send_fans_out_once_to_every_session(server):
    users = await make_users(server, ["ann", "bea", "cid"])
    ann, bea, cid = users["ann"], users["bea"], users["cid"]
    ann2 = await login(server, "ann", name="ann-2")
    bea2 = await login(server, "bea", name="bea-2")
    conv = await group_of(ann, bea)

    seqs = []
    for i in range(5):
        result = await ann.call("msg.send", conversation_id=conv, client_msg_id=f"m{i}",
                                text=f"hello {i} ☃")
        assert result["duplicate"] is False
        msg = result["message"]
        assert MESSAGE_FIELDS <= set(msg), sorted(msg)
        assert msg["sender_id"] == ann.user_id and msg["text"] == f"hello {i} ☃"
        assert msg["client_msg_id"] == f"m{i}" and msg["deleted"] is False
        assert msg["edited_at"] == 0 and msg["created_at"] > 0
        seqs.append(msg["seq"])
    assert seqs == [1, 2, 3, 4, 5]

    await asyncio.sleep(0.3)
    for session in (bea, bea2, ann2):
        got = []
        for _ in range(5):
            ev = await session.next_event("message.new")
            got.append((ev["message"]["seq"], ev["message"]["text"]))
        assert got == [(i + 1, f"hello {i} ☃") for i in range(5)], session.name
        await session.no_event("message.new", within=0.2)
    # The sending connection may get its own events, but at most once each.
    own = [e["message"]["seq"] for e in ann.events if e["type"] == "message.new"]
    assert own in ([], [1, 2, 3, 4, 5]), own
    # Not a member: nothing.
    await cid.no_event("message.new", within=0.1)
    await close_all(ann, ann2, bea, bea2, cid)


@async_test()
async def test_resend_with_same_client_msg_id_is_deduplicated(server):
    users = await make_users(server, ["dee", "eli"])
    dee, eli = users["dee"], users["eli"]
    conv = (await dee.call("conv.open_direct", user_id=eli.user_id))["conversation"]["id"]
    first = await dee.call("msg.send", conversation_id=conv, client_msg_id="once",
                           text="only once")
    await eli.next_event("message.new")
    again = await dee.call("msg.send", conversation_id=conv, client_msg_id="once",
                           text="only once")
    assert again["duplicate"] is True
    assert again["message"]["seq"] == first["message"]["seq"]
    assert again["message"]["text"] == "only once"
    # Even with another text, the original is returned.
    changed = await dee.call("msg.send", conversation_id=conv, client_msg_id="once",
                             text="different")
    assert changed["duplicate"] is True and changed["message"]["text"] == "only once"
    await eli.no_event("message.new", within=0.4)
    # Dedup is per sender: eli may use the same client_msg_id.
    theirs = await eli.call("msg.send", conversation_id=conv, client_msg_id="once",
                            text="mine")
    assert theirs["duplicate"] is False and theirs["message"]["seq"] == 2
    history = await dee.history_all(conv)
    assert [(m["seq"], m["text"]) for m in history] == [(1, "only once"), (2, "mine")]
    await close_all(dee, eli)


@async_test()
async def test_concurrent_senders_get_contiguous_seqs(server):
    names = [f"u{i}" for i in range(6)]
    users = await make_users(server, names)
    clients = list(users.values())
    conv = await group_of(clients[0], *clients[1:])

    async def sender(c):
        return [(await c.call("msg.send", conversation_id=conv, client_msg_id=f"{c.name}-{i}",
                              text=f"{c.name} {i}"))["message"]["seq"] for i in range(15)]

    per_client = await asyncio.gather(*(sender(c) for c in clients))
    for seqs in per_client:
        assert seqs == sorted(seqs), "each sender's messages are ordered"
    all_seqs = sorted(s for seqs in per_client for s in seqs)
    assert all_seqs == list(range(1, 91))
    history = await clients[0].history_all(conv, page=50)
    assert [m["seq"] for m in history] == list(range(1, 91))
    # Every session sees every message exactly once, in seq order.
    await asyncio.sleep(0.5)
    for c, own in zip(clients, per_client):
        seen = [e["message"]["seq"] for e in c.events if e["type"] == "message.new"]
        others = sorted(set(range(1, 91)) - set(own))
        # Its own messages may or may not come back to the sending connection.
        assert seen in (list(range(1, 91)), others), (c.name, seen)
    await close_all(*clients)


@pytest.mark.server_args("--history-page-max", "10")
@async_test()
async def test_history_paging(server):
    users = await make_users(server, ["fay", "gus"])
    fay, gus = users["fay"], users["gus"]
    conv = await group_of(fay, gus)
    for i in range(1, 26):
        await fay.send_msg(conv, f"n{i}", f"n{i}")

    newest = await gus.call("msg.history", conversation_id=conv, limit=5)
    assert [m["seq"] for m in newest["messages"]] == [21, 22, 23, 24, 25]
    assert newest["has_more"] is True
    older = await gus.call("msg.history", conversation_id=conv, before=21, limit=5)
    assert [m["seq"] for m in older["messages"]] == [16, 17, 18, 19, 20]
    oldest = await gus.call("msg.history", conversation_id=conv, before=4, limit=5)
    assert [m["seq"] for m in oldest["messages"]] == [1, 2, 3]
    assert oldest["has_more"] is False
    after = await gus.call("msg.history", conversation_id=conv, after=22, limit=5)
    assert [m["seq"] for m in after["messages"]] == [23, 24, 25]
    assert after["has_more"] is False
    forward = await gus.call("msg.history", conversation_id=conv, after=0, limit=5)
    assert [m["seq"] for m in forward["messages"]] == [1, 2, 3, 4, 5]
    assert forward["has_more"] is True
    # The page size is bounded by history_page_max.
    full = await gus.call("msg.history", conversation_id=conv, limit=10)
    assert [m["seq"] for m in full["messages"]] == list(range(16, 26))
    await gus.expect_error("bad_request", "msg.history", conversation_id=conv, limit=11)
    await gus.expect_error("bad_request", "msg.sync", conversation_id=conv, after_rev=0,
                           limit=11)
    await gus.expect_error("bad_request", "msg.history", conversation_id=conv, before=0,
                           limit=5)
    await gus.expect_error("bad_request", "msg.history", conversation_id=conv, before=5,
                           after=1, limit=5)
    await gus.expect_error("bad_request", "msg.history", conversation_id=conv, limit=-1)
    await close_all(fay, gus)


@pytest.mark.server_args("--max-text-bytes", "100")
@async_test()
async def test_text_limit_counts_utf8_bytes(server):
    users = await make_users(server, ["hed", "ian"])
    hed, ian = users["hed"], users["ian"]
    conv = await group_of(hed, ian)
    ok = await hed.send_msg(conv, "é" * 50)  # 100 bytes
    assert ok["message"]["text"] == "é" * 50
    await hed.expect_error(("too_large", "bad_request"), "msg.send", conversation_id=conv,
                           client_msg_id="big", text="é" * 51)
    await hed.expect_error(("too_large", "bad_request"), "msg.edit", conversation_id=conv,
                           seq=1, text="x" * 101)
    await hed.expect_error("bad_request", "msg.send", conversation_id=conv,
                           client_msg_id="x" * 65, text="long id")
    await hed.expect_error("bad_request", "msg.send", conversation_id=conv, client_msg_id="",
                           text="empty id")
    history = await ian.history_all(conv)
    assert [m["text"] for m in history] == ["é" * 50]
    await close_all(hed, ian)


@async_test()
async def test_edit_and_delete(server):
    users = await make_users(server, ["jay", "kai"])
    jay, kai = users["jay"], users["kai"]
    jay2 = await login(server, "jay", name="jay-2")
    conv = await group_of(jay, kai)
    m1 = (await jay.send_msg(conv, "first"))["message"]
    m2 = (await jay.send_msg(conv, "second"))["message"]
    k1 = (await kai.send_msg(conv, "kai's"))["message"]
    assert m1["rev"] < m2["rev"] < k1["rev"]

    edited = await jay.call("msg.edit", conversation_id=conv, seq=m1["seq"], text="first!")
    msg = edited["message"]
    assert msg["text"] == "first!" and msg["edited_at"] > 0 and msg["seq"] == m1["seq"]
    assert msg["rev"] > k1["rev"]
    for session in (kai, jay2):
        ev = await session.next_event("message.updated", lambda e: e["message"]["seq"] == 1)
        assert ev["message"]["text"] == "first!"

    # Someone else's message: forbidden, and nothing changes.
    await kai.expect_error("forbidden", "msg.edit", conversation_id=conv, seq=m1["seq"],
                           text="hijacked")
    await kai.expect_error("forbidden", "msg.delete", conversation_id=conv, seq=m2["seq"])
    await jay.expect_error("forbidden", "msg.edit", conversation_id=conv, seq=k1["seq"],
                           text="hijacked")
    await jay.expect_error("not_found", "msg.edit", conversation_id=conv, seq=99, text="x")
    await jay.expect_error("not_found", "msg.delete", conversation_id=conv, seq=99)

    deleted = await jay.call("msg.delete", conversation_id=conv, seq=m2["seq"])
    assert deleted["message"]["deleted"] is True and deleted["message"]["text"] == ""
    ev = await kai.next_event("message.updated", lambda e: e["message"]["seq"] == 2)
    assert ev["message"]["deleted"] is True and ev["message"]["text"] == ""
    await jay2.next_event("message.updated", lambda e: e["message"]["seq"] == 2)
    await jay.expect_error("not_found", "msg.edit", conversation_id=conv, seq=m2["seq"],
                           text="resurrected")
    await jay.expect_error("not_found", "msg.delete", conversation_id=conv, seq=m2["seq"])

    history = await kai.history_all(conv)
    assert [(m["seq"], m["text"], m["deleted"]) for m in history] == [
        (1, "first!", False), (2, "", True), (3, "kai's", False)]
    synced = await kai.call("msg.sync", conversation_id=conv, after_rev=k1["rev"], limit=100)
    assert [(m["seq"], m["deleted"]) for m in synced["messages"]] == [(1, False), (2, True)]
    revs = [m["rev"] for m in synced["messages"]]
    assert revs == sorted(revs) and synced["has_more"] is False
    await close_all(jay, jay2, kai)


@async_test()
async def test_read_markers_and_unread_counts(server):
    users = await make_users(server, ["lou", "meg"])
    lou, meg = users["lou"], users["meg"]
    meg2 = await login(server, "meg", name="meg-2")
    conv = await group_of(lou, meg)
    for i in range(4):
        await lou.send_msg(conv, f"r{i}")

    def summary(result):
        return next(s for s in result["conversations"] if s["conversation"]["id"] == conv)

    s = summary(await meg.call("conv.list"))
    assert s["unread"] == 4 and s["last_read"] == 0
    await meg.call("msg.read", conversation_id=conv, seq=3)
    ev = await meg2.next_event("read.updated")
    assert ev == {"type": "read.updated", "conversation_id": conv, "user_id": meg.user_id,
                  "seq": 3} or (ev["conversation_id"], ev["user_id"], ev["seq"]) == (
        conv, meg.user_id, 3)
    s = summary(await meg2.call("conv.list"))
    assert s["unread"] == 1 and s["last_read"] == 3
    member = next(m for m in s["conversation"]["members"] if m["user_id"] == meg.user_id)
    assert member["last_read"] == 3
    # A marker never moves backwards (not an error, no event)...
    await meg.call("msg.read", conversation_id=conv, seq=1)
    assert summary(await meg.call("conv.list"))["last_read"] == 3
    await meg2.no_event("read.updated", within=0.3)
    # ...and never past the newest message.
    await meg.call("msg.read", conversation_id=conv, seq=100)
    s = summary(await meg.call("conv.list"))
    assert (s["last_read"], s["unread"]) == (4, 0)
    ev = await meg2.next_event("read.updated")
    assert ev["seq"] == 4
    # Deleted messages and one's own do not count as unread.
    for i in range(3):
        await lou.send_msg(conv, f"more {i}")
    await lou.call("msg.delete", conversation_id=conv, seq=6)
    await meg.send_msg(conv, "mine")
    assert summary(await meg.call("conv.list"))["unread"] == 2
    # Lou's count: only meg's message.
    assert summary(await lou.call("conv.list"))["unread"] == 1
    await close_all(lou, meg, meg2)


@async_test()
async def test_non_member_access_is_refused(server):
    users = await make_users(server, ["nat", "oz", "pam"])
    nat, oz, pam = users["nat"], users["oz"], users["pam"]
    conv = await group_of(nat, oz)
    m = (await nat.send_msg(conv, "private"))["message"]
    for rtype, fields in [
            ("msg.send", dict(client_msg_id="intruder", text="hi")),
            ("msg.history", dict(limit=10)),
            ("msg.sync", dict(after_rev=0, limit=10)),
            ("msg.edit", dict(seq=m["seq"], text="x")),
            ("msg.delete", dict(seq=m["seq"])),
            ("msg.read", dict(seq=m["seq"])),
            ("typing", {}),
            ("conv.get", {})]:
        await pam.expect_error("not_member", rtype, conversation_id=conv, **fields)
    await pam.expect_error(("not_found", "not_member"), "msg.send", conversation_id=999999,
                           client_msg_id="nowhere", text="hi")
    history = await nat.history_all(conv)
    assert [(x["seq"], x["text"]) for x in history] == [(1, "private")]
    await close_all(nat, oz, pam)


@async_test()
async def test_reconnect_catches_up_by_seq_and_rev(server):
    users = await make_users(server, ["quin", "rae"])
    quin, rae = users["quin"], users["rae"]
    conv = await group_of(quin, rae)
    for i in range(3):
        await quin.send_msg(conv, f"before {i}")
    # Rae has seen everything so far and goes offline.
    seen = await rae.history_all(conv)
    last_seq = seen[-1]["seq"]
    last_rev = max(m["rev"] for m in seen)
    token = rae.token
    await rae.close()

    for i in range(5):
        await quin.send_msg(conv, f"missed {i}")
    await quin.call("msg.edit", conversation_id=conv, seq=1, text="before 0 (edited)")
    await quin.call("msg.delete", conversation_id=conv, seq=2)

    back = await resume(server, token, name="rae-back")
    missed = await back.call("msg.history", conversation_id=conv, after=last_seq, limit=100)
    assert [m["text"] for m in missed["messages"]] == [f"missed {i}" for i in range(5)]
    assert [m["seq"] for m in missed["messages"]] == list(range(last_seq + 1, last_seq + 6))
    changes = await back.call("msg.sync", conversation_id=conv, after_rev=last_rev, limit=100)
    got = [(m["seq"], m["text"], m["deleted"]) for m in changes["messages"]]
    assert got == [(4 + i, f"missed {i}", False) for i in range(5)] + [
        (1, "before 0 (edited)", False), (2, "", True)]
    revs = [m["rev"] for m in changes["messages"]]
    assert revs == sorted(revs) and len(set(revs)) == len(revs)
    assert all(r > last_rev for r in revs)
    # Paging through sync with a small limit gives the same, once each.
    paged, after = [], last_rev
    while True:
        page = await back.call("msg.sync", conversation_id=conv, after_rev=after, limit=2)
        paged += page["messages"]
        if not page["messages"] or not page["has_more"]:
            break
        after = page["messages"][-1]["rev"]
    assert [(m["seq"], m["rev"]) for m in paged] == [
        (m["seq"], m["rev"]) for m in changes["messages"]]
    # Nothing more after the newest revision.
    newest = changes["messages"][-1]["rev"]
    empty = await back.call("msg.sync", conversation_id=conv, after_rev=newest, limit=100)
    assert empty["messages"] == [] and empty["has_more"] is False
    await close_all(quin, back)


@async_test()
async def test_same_client_msg_id_sent_concurrently_is_stored_once(server):
    users = await make_users(server, ["sid", "ted"])
    sid, ted = users["sid"], users["ted"]
    sid2 = await login(server, "sid", name="sid-2")
    conv = await group_of(sid, ted)
    for round_no in range(10):
        cmid = f"race-{round_no}"
        # Pipelined on one connection and at the same time from a second session: all of it
        # may land in one group commit.
        replies = await asyncio.gather(
            sid.call("msg.send", conversation_id=conv, client_msg_id=cmid, text=cmid),
            sid.call("msg.send", conversation_id=conv, client_msg_id=cmid, text=cmid),
            sid2.call("msg.send", conversation_id=conv, client_msg_id=cmid, text=cmid))
        seqs = {r["message"]["seq"] for r in replies}
        assert len(seqs) == 1, replies
        assert sorted(r["duplicate"] for r in replies) == [False, True, True], replies
    history = await ted.history_all(conv)
    assert [m["client_msg_id"] for m in history] == [f"race-{i}" for i in range(10)]
    await asyncio.sleep(0.3)
    assert ted.count_events("message.new") == 10
    await close_all(sid, sid2, ted)


@async_test()
async def test_history_edges(server):
    users = await make_users(server, ["uma", "vic"])
    uma, vic = users["uma"], users["vic"]
    conv = await group_of(uma, vic)
    empty = await vic.call("msg.history", conversation_id=conv, limit=10)
    assert empty["messages"] == [] and empty["has_more"] is False
    for i in range(3):
        await uma.send_msg(conv, f"e{i}")
    beyond = await vic.call("msg.history", conversation_id=conv, after=3, limit=10)
    assert beyond["messages"] == [] and beyond["has_more"] is False
    far = await vic.call("msg.history", conversation_id=conv, before=1000, limit=10)
    assert [m["seq"] for m in far["messages"]] == [1, 2, 3]
    none = await vic.call("msg.history", conversation_id=conv, before=1, limit=10)
    assert none["messages"] == [] and none["has_more"] is False
    await vic.expect_error("bad_request", "msg.history", conversation_id=conv, limit=0)
    default = await vic.call("msg.history", conversation_id=conv)
    assert [m["seq"] for m in default["messages"]] == [1, 2, 3]
    synced = await vic.call("msg.sync", conversation_id=conv, after_rev=0, limit=10)
    assert [m["seq"] for m in synced["messages"]] == [1, 2, 3]
    await close_all(uma, vic)


@async_test()
async def test_client_msg_id_is_unique_per_sender_across_conversations(server):
    users = await make_users(server, ["wes", "xia"])
    wes, xia = users["wes"], users["xia"]
    first_conv = await group_of(wes, xia, name="One")
    second_conv = await group_of(wes, xia, name="Two")
    first = await wes.call("msg.send", conversation_id=first_conv, client_msg_id="same",
                           text="in one")
    again = await wes.call("msg.send", conversation_id=second_conv, client_msg_id="same",
                           text="in two")
    assert again["duplicate"] is True
    assert again["message"]["conversation_id"] == first_conv
    assert again["message"]["seq"] == first["message"]["seq"]
    assert await xia.history_all(second_conv) == []
    await close_all(wes, xia)
