"""Accounts: login, resume, logout, passwords, admin requests, throttling, profile, settings,
directory."""

import asyncio

import pytest

from client import (USER_PASSWORD, async_test, close_all, connect, create_user, login,
                    login_admin, make_users, resume)
from harness import ADMIN_USER

USER_FIELDS = {"id", "username", "display_name", "department", "title", "email", "status_text",
               "is_admin", "disabled", "created_at", "last_seen", "presence"}


@async_test()
async def test_login_resume_and_user_object(server):
    admin = await login_admin(server)
    created = await create_user(admin, "alice", display_name="Alice A", department="Sales",
                                title="Manager", email="alice@corp.example")
    assert USER_FIELDS <= set(created), f"user object fields: {sorted(created)}"
    assert isinstance(created["id"], int)
    assert created["username"] == "alice" and created["display_name"] == "Alice A"
    assert created["department"] == "Sales" and created["title"] == "Manager"
    assert created["email"] == "alice@corp.example"
    assert created["is_admin"] is False and created["disabled"] is False

    alice = await login(server, "alice")
    assert isinstance(alice.token, str) and len(alice.token) >= 16
    assert alice.user["id"] == created["id"]
    assert not [k for k in alice.user if "password" in k or "hash" in k], alice.user
    me = await alice.call("user.me")
    assert me["user"]["id"] == created["id"]
    assert me["user"]["presence"] == "online"

    again = await resume(server, alice.token)
    assert again.user["id"] == created["id"]
    assert (await again.call("user.me"))["user"]["username"] == "alice"
    # Resume gives no new token (or an empty one); the old one keeps working.
    third = await resume(server, alice.token)
    await close_all(admin, alice, again, third)


@async_test()
async def test_wrong_password_and_unknown_user(server):
    admin = await login_admin(server)
    await create_user(admin, "bob")
    c = await connect(server)
    await c.expect_error("invalid_credentials", "auth.login", username="bob",
                         password="wrong-password", device="d")
    await c.expect_error("invalid_credentials", "auth.login", username="nobody",
                         password="wrong-password", device="d")
    await c.expect_error("not_authenticated", "user.me")
    await c.login("bob", USER_PASSWORD)
    await close_all(admin, c)


@async_test()
async def test_bad_token_and_logout_revokes_token(server):
    c = await connect(server)
    await c.expect_error("token_invalid", "auth.resume", token="not-a-real-token")
    await c.expect_error("token_invalid", "auth.resume", token="")
    await c.close()

    users = await make_users(server, ["carol"])
    carol = users["carol"]
    other = await login(server, "carol", name="carol-2")  # another session
    same = await resume(server, carol.token, name="carol-same")  # the same session
    token = carol.token
    await carol.call("auth.logout")
    # Connections that resumed the same token are closed; the session's own connection stays
    # open, logged out, and may log in again.
    assert await same.wait_closed() == 4001
    c = await connect(server)
    await c.expect_error("token_invalid", "auth.resume", token=token)
    await carol.expect_error("not_authenticated", "user.me")
    await carol.expect_error("not_authenticated", "auth.logout")
    await carol.login("carol", USER_PASSWORD)
    assert (await carol.call("user.me"))["user"]["username"] == "carol"
    # Only that session was revoked.
    assert (await other.call("user.me"))["user"]["username"] == "carol"
    again = await resume(server, other.token)
    await close_all(c, carol, other, again)


# Long enough to log in and resume once before it runs out, short enough to wait for.
SESSION_TTL = 3


@pytest.mark.server_args("--session-ttl-seconds", str(SESSION_TTL))
@async_test(timeout=SESSION_TTL + 60)
async def test_expired_token(server):
    users = await make_users(server, ["dave"])
    token = users["dave"].token
    await users["dave"].close()
    early = await resume(server, token, name="dave-early")
    await early.close()
    await asyncio.sleep(SESSION_TTL + 1.5)
    c = await connect(server)
    await c.expect_error("token_invalid", "auth.resume", token=token)
    # A fresh login still works.
    await c.login("dave", USER_PASSWORD)
    await c.close()


@async_test()
async def test_change_password_revokes_other_sessions(server):
    users = await make_users(server, ["erin"])
    erin = users["erin"]
    erin2 = await login(server, "erin", name="erin-2")
    erin3 = await login(server, "erin", name="erin-3")
    await erin.expect_error("invalid_credentials", "auth.change_password",
                            old_password="not-the-password", new_password="new-password-1")
    await erin.expect_error("bad_request", "auth.change_password",
                            old_password=USER_PASSWORD, new_password="short")
    assert not erin2.closed.is_set()

    await erin.call("auth.change_password", old_password=USER_PASSWORD,
                    new_password="new-password-1")
    assert await erin2.wait_closed() == 4001
    assert await erin3.wait_closed() == 4001
    # The current session stays, and its token still resumes.
    assert (await erin.call("user.me"))["user"]["username"] == "erin"
    c = await connect(server)
    await c.expect_error("token_invalid", "auth.resume", token=erin2.token)
    await c.expect_error("token_invalid", "auth.resume", token=erin3.token)
    await c.resume(erin.token)
    c2 = await connect(server)
    await c2.expect_error("invalid_credentials", "auth.login", username="erin",
                          password=USER_PASSWORD, device="d")
    await c2.login("erin", "new-password-1")
    await close_all(erin, c, c2)


@async_test()
async def test_admin_reset_password(server):
    admin = await login_admin(server)
    user = await create_user(admin, "fred")
    fred = await login(server, "fred")
    await admin.call("admin.user.reset_password", user_id=user["id"], password="reset-pass-1")
    assert await fred.wait_closed() == 4001
    c = await connect(server)
    await c.expect_error("token_invalid", "auth.resume", token=fred.token)
    await c.expect_error("invalid_credentials", "auth.login", username="fred",
                         password=USER_PASSWORD, device="d")
    await c.login("fred", "reset-pass-1")

    generated = await admin.call("admin.user.reset_password", user_id=user["id"])
    assert isinstance(generated.get("password"), str) and len(generated["password"]) >= 8
    assert await c.wait_closed() == 4001
    c2 = await connect(server)
    await c2.login("fred", generated["password"])
    await admin.expect_error("not_found", "admin.user.reset_password", user_id=999999,
                             password="whatever-123")
    await close_all(admin, c2)


@async_test()
async def test_admin_create_user_rules(server):
    admin = await login_admin(server)
    result = await admin.call("admin.user.create", username="gwen", display_name="Gwen",
                              department="Ops", title="SRE", email="gwen@example.com",
                              is_admin=False)
    password = result.get("password")
    assert isinstance(password, str) and len(password) >= 8, result
    gwen = await login(server, "gwen", password=password)

    await admin.expect_error("conflict", "admin.user.create", username="gwen",
                             password=USER_PASSWORD, display_name="Other", department="",
                             title="", email="", is_admin=False)
    for bad in ("", "Has Spaces", "x" * 33, "ünïcode"):
        await admin.expect_error("bad_request", "admin.user.create", username=bad,
                                 password=USER_PASSWORD, display_name="X", department="",
                                 title="", email="", is_admin=False)
    await admin.expect_error("bad_request", "admin.user.create", username="shorty",
                             password="short", display_name="X", department="", title="",
                             email="", is_admin=False)
    # Plain users may not use admin requests.
    await gwen.expect_error("forbidden", "admin.user.create", username="mallory",
                            password=USER_PASSWORD, display_name="M", department="", title="",
                            email="", is_admin=True)
    await gwen.expect_error("forbidden", "admin.user.set_admin", user_id=gwen.user_id,
                            is_admin=True)
    await gwen.expect_error("forbidden", "admin.user.set_disabled", user_id=admin.user_id,
                            disabled=True)
    await gwen.expect_error("forbidden", "admin.user.reset_password", user_id=admin.user_id,
                            password="hijacked-123")
    # None of it happened.
    c = await connect(server)
    await c.login(ADMIN_USER, server.admin_password)
    found = await c.call("directory.search", query="mallory", department="", limit=10)
    assert found["users"] == []
    await close_all(admin, gwen, c)


@async_test()
async def test_grant_and_revoke_admin(server):
    admin = await login_admin(server)
    user = await create_user(admin, "hank")
    hank = await login(server, "hank")
    await hank.expect_error("forbidden", "admin.user.create", username="ida",
                            password=USER_PASSWORD, display_name="Ida", department="",
                            title="", email="", is_admin=False)
    await admin.call("admin.user.set_admin", user_id=user["id"], is_admin=True)
    await hank.call("admin.user.create", username="ida", password=USER_PASSWORD,
                    display_name="Ida", department="", title="", email="", is_admin=False)
    assert (await hank.call("user.me"))["user"]["is_admin"] is True
    await admin.call("admin.user.set_admin", user_id=user["id"], is_admin=False)
    await hank.expect_error("forbidden", "admin.user.create", username="ivy",
                            password=USER_PASSWORD, display_name="Ivy", department="",
                            title="", email="", is_admin=False)
    await close_all(admin, hank)


@async_test()
async def test_disable_and_enable_user(server):
    admin = await login_admin(server)
    users = await make_users(server, ["jack", "jill"], admin=admin)
    jack, jill = users["jack"], users["jill"]
    jack2 = await login(server, "jack", name="jack-2")
    conv = (await jill.call("conv.open_direct", user_id=jack.user_id))["conversation"]

    await admin.call("admin.user.set_disabled", user_id=jack.user_id, disabled=True)
    assert await jack.wait_closed() == 4002
    assert await jack2.wait_closed() == 4002
    c = await connect(server)
    await c.expect_error("account_disabled", "auth.login", username="jack",
                         password=USER_PASSWORD, device="d")
    await c.expect_error(("token_invalid", "account_disabled"), "auth.resume", token=jack.token)
    got = await jill.call("user.get", user_ids=[jack.user_id])
    assert got["users"][0]["disabled"] is True
    # Others keep working.
    await jill.send_msg(conv["id"], "are you there?")

    await admin.call("admin.user.set_disabled", user_id=jack.user_id, disabled=False)
    await c.login("jack", USER_PASSWORD)
    history = await c.call("msg.history", conversation_id=conv["id"], limit=10)
    assert [m["text"] for m in history["messages"]] == ["are you there?"]
    await close_all(admin, jill, c)


@pytest.mark.server_args("--max-login-failures-per-user", "3",
                         "--max-login-failures-per-address", "1000",
                         "--login-window-seconds", "2")
@async_test()
async def test_login_throttled_per_user(server):
    admin = await login_admin(server)
    await create_user(admin, "kate")
    await create_user(admin, "kurt")
    c = await connect(server)
    for _ in range(3):
        await c.expect_error("invalid_credentials", "auth.login", username="kate",
                             password="bad-password", device="d")
    # Even the right password is refused now...
    await c.expect_error("throttled", "auth.login", username="kate", password=USER_PASSWORD,
                         device="d")
    # ...only for that user.
    kurt = await login(server, "kurt")
    # After the window the right password works again.
    await asyncio.sleep(2.6)
    await c.login("kate", USER_PASSWORD)
    await close_all(admin, c, kurt)


@pytest.mark.server_args("--max-login-failures-per-user", "1000",
                         "--max-login-failures-per-address", "4",
                         "--login-window-seconds", "2")
@async_test()
async def test_login_throttled_per_address(server):
    admin = await login_admin(server)
    for name in ("lena", "liam", "lola", "luke", "lily"):
        await create_user(admin, name)
    c = await connect(server)
    for name in ("lena", "liam", "lola", "luke"):
        await c.expect_error("invalid_credentials", "auth.login", username=name,
                             password="bad-password", device="d")
    await c.expect_error("throttled", "auth.login", username="lily", password=USER_PASSWORD,
                         device="d")
    other = await connect(server)
    await other.expect_error("throttled", "auth.login", username="lily",
                             password=USER_PASSWORD, device="d")
    # Sessions that are already logged in are not affected.
    assert (await admin.call("user.me"))["user"]["username"] == ADMIN_USER
    await asyncio.sleep(2.6)
    await other.login("lily", USER_PASSWORD)
    await close_all(admin, c, other)


@async_test()
async def test_profile_update(server):
    users = await make_users(server, ["mia", "max"])
    mia, mx = users["mia"], users["max"]
    await mia.call("conv.open_direct", user_id=mx.user_id)
    result = await mia.call("user.update_profile", display_name="Mia M.", status_text="on leave")
    assert result["user"]["display_name"] == "Mia M."
    me = (await mia.call("user.me"))["user"]
    assert me["display_name"] == "Mia M." and me["status_text"] == "on leave"
    assert me["department"] == "Engineering", "absent fields stay unchanged"
    seen = (await mx.call("user.get", user_ids=[mia.user_id]))["users"][0]
    assert seen["display_name"] == "Mia M." and seen["status_text"] == "on leave"
    await mia.expect_error(("bad_request", "too_large"), "user.update_profile",
                           display_name="x" * 5000)
    await mia.expect_error("bad_request", "user.update_profile", title=42)
    assert (await mia.call("user.me"))["user"]["display_name"] == "Mia M."
    await close_all(mia, mx)


@async_test()
async def test_settings_document(server):
    users = await make_users(server, ["nina"])
    nina = users["nina"]
    nina2 = await login(server, "nina", name="nina-2")
    start = await nina.call("settings.get")
    assert start["settings"] == {}
    doc = {"theme": "dark", "notifications": {"sound": False, "mentions_only": True}}
    await nina.call("settings.set", settings=doc)
    ev = await nina2.next_event("settings.updated")
    assert ev["settings"] == doc
    assert (await nina2.call("settings.get"))["settings"] == doc

    # 16 KiB at most (compact JSON); a bigger document is refused and nothing changes.
    await nina.expect_error("too_large", "settings.set", settings={"blob": "x" * (17 * 1024)})
    await nina.expect_error("bad_request", "settings.set", settings=["not", "an", "object"])
    await nina.expect_error("bad_request", "settings.set", settings="theme=dark")
    assert (await nina.call("settings.get"))["settings"] == doc
    fits = {"blob": "y" * (15 * 1024)}
    await nina.call("settings.set", settings=fits)
    assert (await nina2.next_event("settings.updated"))["settings"] == fits
    # Settings are per user.
    other = await make_users(server, ["ned"])
    assert (await other["ned"].call("settings.get"))["settings"] == {}
    await close_all(nina, nina2, other["ned"])


@async_test()
async def test_directory_search(server):
    admin = await login_admin(server)
    people = [("olga", "Olga Ivanova", "Finance", "Accountant"),
              ("oscar", "Oscar Wilde", "Marketing", "Writer"),
              ("otto", "Otto Finn", "Finance", "Controller"),
              ("opal", "Opal Stone", "Engineering", "Developer")]
    for username, name, dept, title in people:
        await create_user(admin, username, display_name=name, department=dept, title=title)
    olga = await login(server, "olga")

    def names(result):
        return sorted(u["username"] for u in result["users"])

    assert names(await olga.call("directory.search", query="wilde", department="",
                                 limit=50)) == ["oscar"]
    assert names(await olga.call("directory.search", query="", department="Finance",
                                 limit=50)) == ["olga", "otto"]
    assert names(await olga.call("directory.search", query="finn", department="Finance",
                                 limit=50)) == ["otto"]
    # "finance" as free text also matches the department.
    assert {"olga", "otto"} <= set(names(await olga.call("directory.search", query="finance",
                                                         department="", limit=50)))
    everyone = await olga.call("directory.search", query="", department="", limit=50)
    assert {"admin", "olga", "oscar", "otto", "opal"} <= set(names(everyone))
    assert USER_FIELDS <= set(everyone["users"][0])

    # Paging by id.
    page1 = await olga.call("directory.search", query="", department="", limit=2)
    assert len(page1["users"]) == 2
    ids = [u["id"] for u in page1["users"]]
    assert ids == sorted(ids)
    page2 = await olga.call("directory.search", query="", department="", limit=50,
                            after=ids[-1])
    assert all(u["id"] > ids[-1] for u in page2["users"])
    assert len(page1["users"]) + len(page2["users"]) == len(everyone["users"])
    await close_all(admin, olga)


@async_test()
async def test_user_get(server):
    users = await make_users(server, ["pia", "pat"])
    pia, pat = users["pia"], users["pat"]
    got = await pia.call("user.get", user_ids=[pat.user_id, 999999, pia.user_id])
    assert [u["id"] for u in got["users"]] == sorted([pat.user_id, pia.user_id]), \
        "unknown ids are left out; ascending id"
    assert (await pia.call("user.get", user_ids=[]))["users"] == []
    await pia.expect_error("bad_request", "user.get", user_ids="all")
    await close_all(pia, pat)


@async_test()
async def test_directory_query_is_literal_and_case_insensitive(server):
    admin = await login_admin(server)
    await create_user(admin, "rita", display_name="Rita 100%", department="R&D")
    await create_user(admin, "rolf", display_name="Rolf", department="Sales")
    rita = await login(server, "rita")

    async def search(query, department=""):
        found = await rita.call("directory.search", query=query, department=department,
                                limit=50)
        return sorted(u["username"] for u in found["users"])

    assert await search("%") == ["rita"]
    assert await search("_") == []
    assert await search("r%f") == []
    assert await search("ROLF") == ["rolf"]
    assert await search("", department="R&D") == ["rita"]
    assert await search("", department="r&d") in (["rita"], [])  # exact filter may be strict
    assert await search("", department="%") == []
    await close_all(admin, rita)


@async_test()
async def test_usernames_are_case_insensitive(server):
    admin = await login_admin(server)
    created = await create_user(admin, "Uwe.Upper")
    assert created["username"] == "uwe.upper"
    assert created["display_name"] == "Uwe.upper"
    u = await login(server, "UWE.upper")
    assert u.user_id == created["id"]
    await admin.expect_error("conflict", "admin.user.create", username="uwe.UPPER",
                             password=USER_PASSWORD)
    # Defaults: display name = username, empty profile fields.
    bare = (await admin.call("admin.user.create", username="bare", password=USER_PASSWORD))[
        "user"]
    assert (bare["display_name"], bare["department"], bare["title"], bare["email"]) == \
        ("bare", "", "", "")
    await close_all(admin, u)


@async_test()
async def test_admins_cannot_lock_themselves_out(server):
    admin = await login_admin(server)
    await admin.expect_error("bad_request", "admin.user.set_disabled", user_id=admin.user_id,
                             disabled=True)
    await admin.expect_error("bad_request", "admin.user.set_admin", user_id=admin.user_id,
                             is_admin=False)
    await admin.expect_error("not_found", "admin.user.set_disabled", user_id=424242,
                             disabled=True)
    await admin.expect_error("not_found", "admin.user.set_admin", user_id=424242, is_admin=True)
    me = (await admin.call("user.me"))["user"]
    assert me["is_admin"] is True and me["disabled"] is False
    await close_all(admin)


@async_test()
async def test_disabled_users_are_listed_only_for_admins(server):
    admin = await login_admin(server)
    users = await make_users(server, ["vera", "walt"], admin=admin)
    vera = users["vera"]
    result = await admin.call("admin.user.set_disabled", user_id=users["walt"].user_id,
                              disabled=True)
    assert result["user"]["disabled"] is True
    seen = await vera.call("directory.search", query="walt", department="", limit=10)
    assert seen["users"] == []
    seen = await admin.call("directory.search", query="walt", department="", limit=10)
    assert [u["username"] for u in seen["users"]] == ["walt"]
    assert seen["users"][0]["disabled"] is True
    await vera.expect_error("bad_request", "directory.search", query="", department="",
                            limit=0)
    await vera.expect_error("bad_request", "directory.search", query="", department="",
                            limit=201)
    await close_all(admin, vera)


@async_test()
async def test_user_updated_events(server):
    admin = await login_admin(server)
    users = await make_users(server, ["xena", "yuri", "zack"], admin=admin)
    xena, yuri, zack = users["xena"], users["yuri"], users["zack"]
    xena2 = await login(server, "xena", name="xena-2")
    await xena.call("conv.open_direct", user_id=yuri.user_id)
    await xena.call("user.update_profile", title="Chief Tester")
    for session in (yuri, xena2):
        ev = await session.next_event("user.updated", lambda e: e["user"]["id"] == xena.user_id)
        assert ev["user"]["title"] == "Chief Tester"
    await asyncio.sleep(0.2)
    assert zack.count_events("user.updated") == 0, "zack shares no conversation with xena"

    await admin.call("admin.user.set_admin", user_id=zack.user_id, is_admin=True)
    ev = await zack.next_event("user.updated", lambda e: e["user"]["id"] == zack.user_id)
    assert ev["user"]["is_admin"] is True
    await close_all(admin, xena, xena2, yuri, zack)


@async_test()
async def test_login_field_limits(server):
    c = await connect(server, hello=False)
    await c.expect_error("bad_request", "hello", version=1, client="c" * 201)
    await c.hello()
    await c.expect_error("bad_request", "auth.login", username="admin",
                         password="p" * 1025, device="d")
    await c.expect_error("bad_request", "auth.login", username="admin",
                         password=server.admin_password, device="d" * 201)
    await c.expect_error("bad_request", "auth.login", username="admin")
    await c.login(ADMIN_USER, server.admin_password, device="")
    await c.close()
