"""Typing indicators and presence."""

import asyncio

import pytest

from client import async_test, close_all, login, make_users


@pytest.mark.server_args("--typing-interval-ms", "400")
@async_test()
async def test_typing_is_forwarded_and_throttled(server):
    users = await make_users(server, ["ada", "bo", "cy"])
    ada, bo, cy = users["ada"], users["bo"], users["cy"]
    conv = (await ada.call("conv.create", kind="group", name="T", topic="",
                           member_ids=[bo.user_id]))["conversation"]["id"]
    first = await ada.call("typing", conversation_id=conv)
    assert first["forwarded"] is True
    ev = await bo.next_event("typing")
    assert ev["conversation_id"] == conv and ev["user_id"] == ada.user_id
    # Within the interval: acknowledged, not forwarded.
    second = await ada.call("typing", conversation_id=conv)
    assert second["forwarded"] is False
    await bo.no_event("typing", within=0.2)
    # The sender's own connection is not told; a non-member never is.
    assert ada.count_events("typing") == 0
    assert cy.count_events("typing") == 0
    await asyncio.sleep(0.5)
    third = await ada.call("typing", conversation_id=conv)
    assert third["forwarded"] is True
    await bo.next_event("typing")
    # Typing is not stored.
    history = await bo.call("msg.history", conversation_id=conv, limit=10)
    assert history["messages"] == []
    await cy.expect_error("not_member", "typing", conversation_id=conv)
    await close_all(ada, bo, cy)


@async_test()
async def test_presence_online_away_offline(server):
    users = await make_users(server, ["dot", "ed", "flo"])
    dot, ed, flo = users["dot"], users["ed"], users["flo"]
    await dot.call("conv.open_direct", user_id=ed.user_id)
    # flo shares no conversation with dot.

    await dot.close()
    ev = await ed.next_event("presence", lambda e: e["user_id"] == dot.user_id
                             and e["state"] == "offline", timeout=10)
    assert ev["last_seen"] > 0
    got = (await ed.call("user.get", user_ids=[dot.user_id]))["users"][0]
    assert got["presence"] == "offline" and got["last_seen"] > 0

    dot = await login(server, "dot", name="dot-again")
    await ed.next_event("presence", lambda e: e["user_id"] == dot.user_id
                        and e["state"] == "online")
    assert (await ed.call("user.get", user_ids=[dot.user_id]))["users"][0]["presence"] == \
        "online"

    await dot.call("presence.set", state="away")
    await ed.next_event("presence", lambda e: e["user_id"] == dot.user_id
                        and e["state"] == "away")
    assert (await ed.call("user.get", user_ids=[dot.user_id]))["users"][0]["presence"] == "away"
    await dot.call("presence.set", state="online")
    await ed.next_event("presence", lambda e: e["user_id"] == dot.user_id
                        and e["state"] == "online")
    await dot.expect_error("bad_request", "presence.set", state="offline")
    await dot.expect_error("bad_request", "presence.set", state="sleeping")

    await asyncio.sleep(0.2)
    assert flo.count_events("presence", lambda e: e["user_id"] == dot.user_id) == 0
    await close_all(dot, ed, flo)


@async_test()
async def test_presence_offline_only_when_the_last_session_goes(server):
    users = await make_users(server, ["gia", "hub"])
    gia, hub = users["gia"], users["hub"]
    await gia.call("conv.open_direct", user_id=hub.user_id)
    gia2 = await login(server, "gia", name="gia-2")
    await gia2.close()
    await hub.no_event("presence", lambda e: e["user_id"] == gia.user_id
                       and e["state"] == "offline", within=0.6)
    # A dropped TCP connection (no closing handshake) also counts as gone.
    await gia.abort()
    await hub.next_event("presence", lambda e: e["user_id"] == gia.user_id
                         and e["state"] == "offline", timeout=10)
    await close_all(hub)


@async_test()
async def test_away_only_when_every_connection_is_away(server):
    users = await make_users(server, ["ivo", "jan"])
    ivo, jan = users["ivo"], users["jan"]
    await ivo.call("conv.open_direct", user_id=jan.user_id)
    ivo2 = await login(server, "ivo", name="ivo-2")
    await asyncio.sleep(0.2)
    jan.drop_events()
    await ivo.call("presence.set", state="away")
    await jan.no_event("presence", lambda e: e["user_id"] == ivo.user_id, within=0.4)
    assert (await jan.call("user.get", user_ids=[ivo.user_id]))["users"][0]["presence"] == \
        "online"
    await ivo2.call("presence.set", state="away")
    ev = await jan.next_event("presence", lambda e: e["user_id"] == ivo.user_id)
    assert ev["state"] == "away"
    # The user's own other connection hears it too.
    await ivo.next_event("presence", lambda e: e["user_id"] == ivo.user_id
                         and e["state"] == "away")
    # The away connection closes: the remaining one is away, so nothing changes...
    await ivo.close()
    await jan.no_event("presence", lambda e: e["user_id"] == ivo.user_id, within=0.4)
    # ...until it comes back.
    await ivo2.call("presence.set", state="online")
    await jan.next_event("presence", lambda e: e["user_id"] == ivo.user_id
                         and e["state"] == "online")
    await close_all(ivo2, jan)
