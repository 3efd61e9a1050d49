"""Conversations: direct, groups, channels, membership, roles, archive, the conversation list."""

import asyncio

from client import async_test, close_all, conv_member_ids, login, login_admin, make_users

CONV_FIELDS = {"id", "kind", "name", "topic", "created_by", "archived", "created_at", "last_seq",
               "last_rev", "last_activity", "members"}
MEMBER_FIELDS = {"user_id", "role", "last_read", "joined_at"}


def role_of(conversation, user_id):
    return next(m["role"] for m in conversation["members"] if m["user_id"] == user_id)


@async_test()
async def test_open_direct_twice_returns_the_same_conversation(server):
    users = await make_users(server, ["amy", "ben", "cat"])
    amy, ben, cat = users["amy"], users["ben"], users["cat"]
    first = (await amy.call("conv.open_direct", user_id=ben.user_id))["conversation"]
    added = await ben.next_event("conversation.added")
    assert added["conversation"]["id"] == first["id"]
    assert CONV_FIELDS <= set(first), sorted(first)
    assert first["kind"] == "direct"
    assert conv_member_ids(first) == sorted([amy.user_id, ben.user_id])
    assert MEMBER_FIELDS <= set(first["members"][0])
    again = (await amy.call("conv.open_direct", user_id=ben.user_id))["conversation"]
    other_way = (await ben.call("conv.open_direct", user_id=amy.user_id))["conversation"]
    assert again["id"] == first["id"] == other_way["id"]
    third = (await amy.call("conv.open_direct", user_id=cat.user_id))["conversation"]
    assert third["id"] != first["id"]
    # A direct conversation holds exactly two people.
    await amy.expect_error("bad_request", "conv.invite",
                           conversation_id=first["id"], user_ids=[cat.user_id])
    await amy.expect_error("not_found", "conv.open_direct", user_id=987654)
    await amy.expect_error("bad_request", "conv.open_direct", user_id=amy.user_id)
    await amy.expect_error("bad_request", "conv.leave", conversation_id=first["id"])
    await amy.expect_error("bad_request", "conv.rename", conversation_id=first["id"], name="x")
    await amy.expect_error("bad_request", "conv.archive", conversation_id=first["id"])
    await ben.no_event("conversation.added", within=0.2)  # reopening announces nothing
    await cat.expect_error("not_member", "conv.get", conversation_id=first["id"])
    listed = (await amy.call("conv.list"))["conversations"]
    assert sorted(s["conversation"]["id"] for s in listed) == sorted([first["id"], third["id"]])
    await close_all(amy, ben, cat)


@async_test()
async def test_create_group_and_membership_events(server):
    users = await make_users(server, ["dan", "eva", "fay", "gil"])
    dan, eva, fay, gil = users["dan"], users["eva"], users["fay"], users["gil"]
    conv = (await dan.call("conv.create", kind="group", name="Project X", topic="secret",
                           member_ids=[eva.user_id, fay.user_id]))["conversation"]
    assert conv["kind"] == "group" and conv["name"] == "Project X" and conv["topic"] == "secret"
    assert conv["created_by"] == dan.user_id and conv["archived"] is False
    assert conv["last_seq"] == 0
    assert [m["user_id"] for m in conv["members"]] == \
        sorted([dan.user_id, eva.user_id, fay.user_id]), "members by ascending user id"
    assert role_of(conv, dan.user_id) == "owner"
    assert role_of(conv, eva.user_id) == "member"
    for member in (eva, fay):
        ev = await member.next_event("conversation.added")
        assert ev["conversation"]["id"] == conv["id"]
    await gil.no_event("conversation.added", within=0.3)

    # Non-members see nothing and may do nothing.
    await gil.expect_error("not_member", "conv.get", conversation_id=conv["id"])
    await gil.expect_error("not_member", "conv.rename", conversation_id=conv["id"], name="Mine")
    await gil.expect_error("not_member", "conv.set_topic", conversation_id=conv["id"],
                           topic="t")
    await gil.expect_error("not_member", "conv.invite", conversation_id=conv["id"],
                           user_ids=[gil.user_id])
    await gil.expect_error("not_member", "conv.leave", conversation_id=conv["id"])
    assert [s for s in (await gil.call("conv.list"))["conversations"]] == []
    await dan.expect_error("not_found", "conv.get", conversation_id=424242)

    # Rename (owner or admin only) and topic (any member): the other members are told (the
    # acting connection has its reply and may or may not get the event too).
    await eva.expect_error("forbidden", "conv.rename", conversation_id=conv["id"], name="Mine")
    await dan.call("conv.rename", conversation_id=conv["id"], name="Project Y")
    await eva.call("conv.set_topic", conversation_id=conv["id"], topic="less secret")
    for member in (eva, fay):
        await member.next_event("conversation.updated",
                                lambda e: e["conversation"]["name"] == "Project Y")
    for member in (dan, fay):
        await member.next_event("conversation.updated",
                                lambda e: e["conversation"]["topic"] == "less secret")
    got = (await fay.call("conv.get", conversation_id=conv["id"]))["conversation"]
    assert got["name"] == "Project Y" and got["topic"] == "less secret"
    await dan.expect_error("bad_request", "conv.rename", conversation_id=conv["id"], name="")
    await dan.expect_error(("bad_request", "too_large"), "conv.rename",
                           conversation_id=conv["id"], name="n" * 1000)

    # Invite: the newcomer gets the conversation, the others an update.
    await fay.call("conv.invite", conversation_id=conv["id"], user_ids=[gil.user_id])
    added = await gil.next_event("conversation.added")
    assert added["conversation"]["id"] == conv["id"]
    await dan.next_event("conversation.updated", lambda e: gil.user_id in
                         [m["user_id"] for m in e["conversation"]["members"]])
    assert conv["id"] in [s["conversation"]["id"] for s in (await gil.call("conv.list"))[
        "conversations"]]

    # Leave: the leaver's other sessions are told, and it is a non-member from then on.
    eva2 = await login(server, "eva", name="eva-2")
    await eva.call("conv.leave", conversation_id=conv["id"])
    removed = await eva2.next_event("conversation.removed")
    assert removed["conversation_id"] == conv["id"]
    await dan.next_event("conversation.updated", lambda e: eva.user_id not in
                         [m["user_id"] for m in e["conversation"]["members"]])
    await eva.expect_error("not_member", "msg.send", conversation_id=conv["id"],
                           client_msg_id="late", text="hello?")
    assert conv["id"] not in [s["conversation"]["id"]
                              for s in (await eva.call("conv.list"))["conversations"]]
    await close_all(dan, eva, eva2, fay, gil)


@async_test()
async def test_remove_member_owner_or_admin_only(server):
    admin = await login_admin(server)
    users = await make_users(server, ["hal", "ivy", "joe", "kim"], admin=admin)
    hal, ivy, joe, kim = users["hal"], users["ivy"], users["joe"], users["kim"]
    conv = (await hal.call("conv.create", kind="group", name="Team", topic="",
                           member_ids=[ivy.user_id, joe.user_id, kim.user_id,
                                       admin.user_id]))["conversation"]
    await ivy.expect_error("forbidden", "conv.remove_member", conversation_id=conv["id"],
                           user_id=joe.user_id)
    await hal.call("conv.remove_member", conversation_id=conv["id"], user_id=joe.user_id)
    ev = await joe.next_event("conversation.removed")
    assert ev["conversation_id"] == conv["id"]
    await joe.expect_error("not_member", "msg.history", conversation_id=conv["id"], limit=10)
    # An administrator may remove members too, without being the owner.
    await admin.call("conv.remove_member", conversation_id=conv["id"], user_id=kim.user_id)
    await kim.next_event("conversation.removed")
    members = conv_member_ids((await hal.call("conv.get", conversation_id=conv["id"]))[
        "conversation"])
    assert members == sorted([hal.user_id, ivy.user_id, admin.user_id])
    await hal.expect_error("not_found", "conv.remove_member",
                           conversation_id=conv["id"], user_id=joe.user_id)
    await hal.expect_error("bad_request", "conv.remove_member",
                           conversation_id=conv["id"], user_id=hal.user_id)
    await close_all(admin, hal, ivy, joe, kim)


@async_test()
async def test_public_channels_browse_and_join(server):
    users = await make_users(server, ["lea", "leo", "lou"])
    lea, leo, lou = users["lea"], users["leo"], users["lou"]
    chan = (await lea.call("conv.create", kind="channel", name="announcements",
                           topic="company news", member_ids=[]))["conversation"]
    assert chan["kind"] == "channel"
    await lea.call("conv.create", kind="channel", name="random", topic="", member_ids=[])
    group = (await lea.call("conv.create", kind="group", name="announcements-private",
                            topic="", member_ids=[]))["conversation"]

    found = (await leo.call("conv.browse", query="announce", limit=50))["channels"]
    assert [c["conversation"]["id"] for c in found] == [chan["id"]], \
        "browse finds channels by name, never private groups"
    assert found[0]["member_count"] == 1 and found[0]["joined"] is False
    assert "members" not in found[0]["conversation"]
    # A public channel can be looked at and read without joining.
    peek = (await leo.call("conv.get", conversation_id=chan["id"]))["conversation"]
    assert peek["id"] == chan["id"] and peek["topic"] == "company news"
    everything = (await leo.call("conv.browse", query="", limit=50))["channels"]
    assert {"announcements", "random"} <= {c["conversation"]["name"] for c in everything}
    assert group["id"] not in [c["conversation"]["id"] for c in everything]

    await lea.send_msg(chan["id"], "welcome")
    unjoined = await leo.call("msg.history", conversation_id=chan["id"], limit=10)
    assert [m["text"] for m in unjoined["messages"]] == ["welcome"]
    await leo.expect_error("not_member", "msg.send", conversation_id=chan["id"],
                           client_msg_id="lurker", text="hi")
    leo2 = await login(server, "leo", name="leo-2")
    joined = await leo.call("conv.join", conversation_id=chan["id"])
    assert leo.user_id in conv_member_ids(joined["conversation"])
    await leo2.next_event("conversation.added")
    await lea.next_event("conversation.updated")
    history = await leo.call("msg.history", conversation_id=chan["id"], limit=10)
    assert [m["text"] for m in history["messages"]] == ["welcome"]
    found = (await leo.call("conv.browse", query="announce", limit=50))["channels"]
    assert found[0]["joined"] is True and found[0]["member_count"] == 2
    # Joining twice is harmless.
    again = await leo.call("conv.join", conversation_id=chan["id"])
    assert conv_member_ids(again["conversation"]) == sorted([lea.user_id, leo.user_id])

    # A private group cannot be joined.
    await lou.expect_error("forbidden", "conv.join", conversation_id=group["id"])
    await lou.expect_error("not_member", "conv.get", conversation_id=group["id"])
    await lou.expect_error("not_found", "conv.join", conversation_id=999999)
    await close_all(lea, leo, leo2, lou)


@async_test()
async def test_archive_makes_read_only(server):
    users = await make_users(server, ["mae", "mel"])
    mae, mel = users["mae"], users["mel"]
    conv = (await mae.call("conv.create", kind="group", name="Old project", topic="",
                           member_ids=[mel.user_id]))["conversation"]
    sent = (await mel.send_msg(conv["id"], "last words"))["message"]
    await mel.expect_error("forbidden", "conv.archive", conversation_id=conv["id"])
    await mae.call("conv.archive", conversation_id=conv["id"])
    ev = await mel.next_event("conversation.updated", lambda e: e["conversation"]["archived"])
    assert ev["conversation"]["id"] == conv["id"]
    await mel.expect_error("archived", "msg.send", conversation_id=conv["id"],
                           client_msg_id="after-archive", text="still here?")
    await mel.expect_error("archived", "msg.edit", conversation_id=conv["id"],
                           seq=sent["seq"], text="changed")
    await mel.expect_error("archived", "msg.delete", conversation_id=conv["id"],
                           seq=sent["seq"])
    for rtype, fields in (("typing", {}), ("conv.rename", {"name": "New"}),
                          ("conv.set_topic", {"topic": "t"}),
                          ("conv.invite", {"user_ids": [mae.user_id]})):
        await mae.expect_error("archived", rtype, conversation_id=conv["id"], **fields)
    # Archiving twice is not an error; a plain member still may not.
    await mae.call("conv.archive", conversation_id=conv["id"])
    await mel.expect_error("forbidden", "conv.archive", conversation_id=conv["id"])
    # Read markers still move.
    await mel.call("msg.read", conversation_id=conv["id"], seq=sent["seq"])
    # Still readable, still listed.
    history = await mel.call("msg.history", conversation_id=conv["id"], limit=10)
    assert [m["text"] for m in history["messages"]] == ["last words"]
    listed = {s["conversation"]["id"]: s for s in (await mel.call("conv.list"))["conversations"]}
    assert listed[conv["id"]]["conversation"]["archived"] is True
    await close_all(mae, mel)


@async_test()
async def test_conversation_list_summaries(server):
    users = await make_users(server, ["ned", "noa"])
    ned, noa = users["ned"], users["noa"]
    direct = (await ned.call("conv.open_direct", user_id=noa.user_id))["conversation"]
    group = (await ned.call("conv.create", kind="group", name="Lunch", topic="",
                            member_ids=[noa.user_id]))["conversation"]
    for i in range(3):
        await ned.send_msg(direct["id"], f"d{i}")
    await ned.send_msg(group["id"], "g0")

    listed = (await noa.call("conv.list"))["conversations"]
    assert [s["conversation"]["id"] for s in listed] == [group["id"], direct["id"]], \
        "most recent activity first"
    summaries = {s["conversation"]["id"]: s for s in listed}
    d = summaries[direct["id"]]
    assert d["unread"] == 3 and d["last_read"] == 0
    assert d["last_message"]["text"] == "d2" and d["last_message"]["seq"] == 3
    assert d["conversation"]["last_seq"] == 3
    assert conv_member_ids(d["conversation"]) == sorted([ned.user_id, noa.user_id])
    assert summaries[group["id"]]["unread"] == 1

    # The sender has nothing unread in what it wrote.
    mine = {s["conversation"]["id"]: s for s in (await ned.call("conv.list"))["conversations"]}
    assert mine[direct["id"]]["unread"] == 0

    empty = (await ned.call("conv.create", kind="group", name="Quiet", topic="",
                            member_ids=[]))["conversation"]
    mine = {s["conversation"]["id"]: s for s in (await ned.call("conv.list"))["conversations"]}
    assert mine[empty["id"]]["last_message"] is None and mine[empty["id"]]["unread"] == 0
    await close_all(ned, noa)


@async_test()
async def test_create_validation(server):
    admin = await login_admin(server)
    users = await make_users(server, ["oli"], admin=admin)
    oli = users["oli"]
    await oli.expect_error("bad_request", "conv.create", kind="direct", name="x", topic="",
                           member_ids=[admin.user_id])
    await oli.expect_error("bad_request", "conv.create", kind="party", name="x", topic="",
                           member_ids=[])
    await oli.expect_error("not_found", "conv.create", kind="group", name="x", topic="",
                           member_ids=[777777])
    await oli.expect_error("bad_request", "conv.create", kind="group", name="x", topic="",
                           member_ids="everyone")
    assert (await oli.call("conv.list"))["conversations"] == []
    await close_all(admin, oli)


@async_test()
async def test_live_delivery_follows_membership(server):
    users = await make_users(server, ["pat", "quin", "ray"])
    pat, quin, ray = users["pat"], users["quin"], users["ray"]
    conv = (await pat.call("conv.create", kind="group", name="Moving", topic="",
                           member_ids=[quin.user_id]))["conversation"]["id"]
    await pat.send_msg(conv, "before ray")
    await quin.next_event("message.new")
    await ray.no_event("message.new", within=0.2)

    # Invited: live delivery starts at once.
    await pat.call("conv.invite", conversation_id=conv, user_ids=[ray.user_id])
    await ray.next_event("conversation.added")
    await pat.send_msg(conv, "welcome ray")
    ev = await ray.next_event("message.new")
    assert ev["message"]["text"] == "welcome ray"
    # Typing reaches the newcomer too.
    await quin.call("typing", conversation_id=conv)
    await ray.next_event("typing")

    # Removed: nothing more reaches any of its sessions.
    ray2 = await login(server, "ray", name="ray-2")
    await pat.call("conv.remove_member", conversation_id=conv, user_id=ray.user_id)
    await ray.next_event("conversation.removed")
    await ray2.next_event("conversation.removed")
    ray.drop_events()
    ray2.drop_events()
    await pat.send_msg(conv, "after ray")
    m = (await pat.send_msg(conv, "to edit"))["message"]
    await pat.call("msg.edit", conversation_id=conv, seq=m["seq"], text="edited")
    await pat.call("typing", conversation_id=conv)
    await quin.next_event("message.new", lambda e: e["message"]["text"] == "after ray")
    await quin.next_event("message.updated")
    await asyncio.sleep(0.3)
    for session in (ray, ray2):
        leaked = [e for e in session.events
                  if e["type"] in ("message.new", "message.updated", "typing", "read.updated")]
        assert leaked == [], f"{session.name} still gets events of a conversation it left"
    await ray.expect_error("not_member", "msg.history", conversation_id=conv, limit=10)
    await close_all(pat, quin, ray, ray2)


@async_test()
async def test_name_limits_count_characters(server):
    users = await make_users(server, ["sue"])
    sue = users["sue"]
    limit = sue.hello_result["limits"]["max_name_chars"]
    name = "Ж" * limit  # twice as many UTF-8 bytes as characters
    conv = (await sue.call("conv.create", kind="group", name=name, topic="",
                           member_ids=[]))["conversation"]
    assert conv["name"] == name
    await sue.expect_error(("bad_request", "too_large"), "conv.create", kind="group",
                           name="Ж" * (limit + 1), topic="", member_ids=[])
    await sue.expect_error(("bad_request", "too_large"), "conv.rename", conversation_id=conv["id"],
                           name="n" * (limit + 1))
    topic_limit = sue.hello_result["limits"]["max_topic_chars"]
    await sue.call("conv.set_topic", conversation_id=conv["id"], topic="т" * topic_limit)
    await sue.expect_error(("bad_request", "too_large"), "conv.set_topic",
                           conversation_id=conv["id"], topic="т" * (topic_limit + 1))
    got = (await sue.call("conv.get", conversation_id=conv["id"]))["conversation"]
    assert got["name"] == name and got["topic"] == "т" * topic_limit
    await close_all(sue)


@async_test()
async def test_browse_query_is_literal(server):
    users = await make_users(server, ["tom"])
    tom = users["tom"]
    await tom.call("conv.create", kind="channel", name="general", topic="", member_ids=[])
    await tom.call("conv.create", kind="channel", name="100% uptime", topic="", member_ids=[])
    for query, expected in (("%", ["100% uptime"]), ("_", []), ("gen%", []),
                            ("GENERAL", ["general"])):
        found = (await tom.call("conv.browse", query=query, limit=50))["channels"]
        assert sorted(c["conversation"]["name"] for c in found) == expected, query
    await close_all(tom)
