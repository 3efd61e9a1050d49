#include "service_fixture.h"

namespace messenger::service::test {
namespace {

TEST_F(ServiceTest, OpenDirectTwiceReturnsTheSameConversation) {
  Client alice = user("alice");
  Client bob = user("bob");
  json first = ok(alice, {{"type", "conv.open_direct"}, {"user_id", bob.user_id}});
  json second = ok(bob, {{"type", "conv.open_direct"}, {"user_id", alice.user_id}});
  EXPECT_EQ(first["conversation"]["id"], second["conversation"]["id"]);
  EXPECT_EQ(first["conversation"]["kind"], "direct");
  EXPECT_EQ(first["conversation"]["members"].size(), 2u);
  EXPECT_EQ(events(bob, "conversation.added").size(), 1u);
  EXPECT_EQ(error_code(alice, {{"type", "conv.open_direct"}, {"user_id", alice.user_id}}),
            "bad_request");
  EXPECT_EQ(error_code(alice, {{"type", "conv.open_direct"}, {"user_id", 4242}}), "not_found");
}

TEST_F(ServiceTest, GroupsAreInviteOnlyAndChannelsAreOpen) {
  Client alice = user("alice");
  Client bob = user("bob");
  Client carol = user("carol");
  json group = ok(alice, {{"type", "conv.create"},
                          {"kind", "group"},
                          {"name", "Plans"},
                          {"member_ids", {bob.user_id}}});
  const auto group_id = group["conversation"]["id"];
  EXPECT_EQ(events(bob, "conversation.added").size(), 1u);
  EXPECT_EQ(error_code(carol, {{"type", "conv.join"}, {"conversation_id", group_id}}), "forbidden");
  EXPECT_EQ(error_code(carol, {{"type", "conv.get"}, {"conversation_id", group_id}}), "not_member");

  json channel = ok(alice, {{"type", "conv.create"}, {"kind", "channel"}, {"name", "General"}});
  const auto channel_id = channel["conversation"]["id"];
  json browse = ok(carol, {{"type", "conv.browse"}, {"query", "gen"}});
  ASSERT_EQ(browse["channels"].size(), 1u);
  EXPECT_EQ(browse["channels"][0]["joined"], false);
  EXPECT_EQ(browse["channels"][0]["member_count"], 1);
  ok(carol, {{"type", "conv.join"}, {"conversation_id", channel_id}});
  EXPECT_EQ(events(alice, "conversation.updated").size(), 1u);
  json list = ok(carol, {{"type", "conv.list"}});
  EXPECT_EQ(list["conversations"].size(), 1u);
}

TEST_F(ServiceTest, RenameTopicInviteLeaveRemoveArchive) {
  Client alice = user("alice");
  Client bob = user("bob");
  Client carol = user("carol");
  json group = ok(alice, {{"type", "conv.create"},
                          {"kind", "group"},
                          {"name", "Plans"},
                          {"member_ids", {bob.user_id}}});
  const auto id = group["conversation"]["id"];
  EXPECT_EQ(error_code(bob, {{"type", "conv.rename"}, {"conversation_id", id}, {"name", "X"}}),
            "forbidden");
  json renamed =
      ok(alice, {{"type", "conv.rename"}, {"conversation_id", id}, {"name", "Q3 plans"}});
  EXPECT_EQ(renamed["conversation"]["name"], "Q3 plans");
  ok(bob, {{"type", "conv.set_topic"}, {"conversation_id", id}, {"topic", "Budget"}});
  events(bob);
  ok(bob, {{"type", "conv.invite"}, {"conversation_id", id}, {"user_ids", {carol.user_id}}});
  EXPECT_EQ(events(carol, "conversation.added").size(), 1u);
  EXPECT_EQ(error_code(bob, {{"type", "conv.remove_member"},
                             {"conversation_id", id},
                             {"user_id", carol.user_id}}),
            "forbidden");
  ok(alice, {{"type", "conv.remove_member"}, {"conversation_id", id}, {"user_id", carol.user_id}});
  EXPECT_EQ(events(carol, "conversation.removed").size(), 1u);
  EXPECT_EQ(error_code(carol, {{"type", "msg.history"}, {"conversation_id", id}}), "not_member");
  ok(bob, {{"type", "conv.leave"}, {"conversation_id", id}});
  EXPECT_EQ(
      error_code(
          bob,
          {{"type", "msg.send"}, {"conversation_id", id}, {"client_msg_id", "b1"}, {"text", "hi"}}),
      "not_member");
  ok(alice, {{"type", "conv.archive"}, {"conversation_id", id}});
  EXPECT_EQ(
      error_code(
          alice,
          {{"type", "msg.send"}, {"conversation_id", id}, {"client_msg_id", "a1"}, {"text", "hi"}}),
      "archived");
  EXPECT_EQ(error_code(alice, {{"type", "conv.rename"}, {"conversation_id", id}, {"name", "Y"}}),
            "archived");
  // Archived history stays readable.
  ok(alice, {{"type", "msg.history"}, {"conversation_id", id}});
}

TEST_F(ServiceTest, DirectoryFindsByNameAndDepartment) {
  Client alice = user("alice", "Sales");
  user("bob", "Engineering");
  user("bobby", "Sales");
  json by_name = ok(alice, {{"type", "directory.search"}, {"query", "bob"}});
  EXPECT_EQ(by_name["users"].size(), 2u);
  json by_dept = ok(alice, {{"type", "directory.search"}, {"department", "Sales"}});
  EXPECT_EQ(by_dept["users"].size(), 2u);
  json both = ok(alice, {{"type", "directory.search"}, {"query", "bob"}, {"department", "sales"}});
  ASSERT_EQ(both["users"].size(), 1u);
  EXPECT_EQ(both["users"][0]["username"], "bobby");
}

TEST_F(ServiceTest, ProfileAndSettingsReachOtherSessions) {
  Client alice = user("alice");
  Client alice2 = login("alice", "alice-password");
  json updated = ok(
      alice, {{"type", "user.update_profile"}, {"title", "Engineer"}, {"status_text", "On call"}});
  EXPECT_EQ(updated["user"]["title"], "Engineer");
  EXPECT_EQ(events(alice2, "user.updated").size(), 1u);

  json settings = ok(alice, {{"type", "settings.get"}});
  EXPECT_EQ(settings["settings"], json::object());
  ok(alice, {{"type", "settings.set"}, {"settings", {{"theme", "dark"}}}});
  auto pushed = events(alice2, "settings.updated");
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0]["settings"]["theme"], "dark");
  EXPECT_EQ(ok(alice2, {{"type", "settings.get"}})["settings"]["theme"], "dark");
  EXPECT_EQ(error_code(alice, {{"type", "settings.set"},
                               {"settings", {{"blob", std::string(17 * 1024, 'x')}}}}),
            "too_large");
  EXPECT_EQ(ok(alice2, {{"type", "settings.get"}})["settings"]["theme"], "dark");
}

// The online event of a login or a resume says when the user was last seen: the time stored by
// the last offline event, whichever way the user comes back.
TEST_F(ServiceTest, OnlineAfterLoginOrResumeCarriesTheStoredLastSeen) {
  Client alice = user("alice");
  Client bob = user("bob");
  ok(alice, {{"type", "conv.open_direct"}, {"user_id", bob.user_id}});
  const std::string token = alice.token;
  events(bob);
  for (const bool by_token : {true, false}) {
    disconnect(alice);
    auto offline = events(bob, "presence");
    ASSERT_EQ(offline.size(), 1u);
    const auto last_seen = offline[0]["last_seen"].get<std::int64_t>();
    EXPECT_GT(last_seen, 0);
    if (by_token) {
      alice = connect();
      ok(alice, {{"type", "hello"}, {"version", 1}, {"client", "test"}});
      ok(alice, {{"type", "auth.resume"}, {"token", token}});
    } else {
      alice = login("alice", "alice-password");
    }
    auto online = events(bob, "presence");
    ASSERT_EQ(online.size(), 1u) << (by_token ? "resume" : "login");
    EXPECT_EQ(online[0]["state"], "online");
    EXPECT_EQ(online[0]["last_seen"].get<std::int64_t>(), last_seen)
        << (by_token ? "resume" : "login");
  }
}

TEST_F(ServiceTest, PresenceGoesToPeopleWhoShareAConversation) {
  Client alice = user("alice");
  Client bob = user("bob");
  ok(alice, {{"type", "conv.open_direct"}, {"user_id", bob.user_id}});
  events(bob);
  ok(alice, {{"type", "presence.set"}, {"state", "away"}});
  auto away = events(bob, "presence");
  ASSERT_EQ(away.size(), 1u);
  EXPECT_EQ(away[0]["state"], "away");
  disconnect(alice);
  auto offline = events(bob, "presence");
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0]["state"], "offline");
  EXPECT_GT(offline[0]["last_seen"].get<std::int64_t>(), 0);
  login("alice", "alice-password");
  auto online = events(bob, "presence");
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(online[0]["state"], "online");
}

TEST_F(ServiceTest, TypingIsForwardedAndThrottled) {
  Client alice = user("alice");
  Client bob = user("bob");
  json direct = ok(alice, {{"type", "conv.open_direct"}, {"user_id", bob.user_id}});
  const auto id = direct["conversation"]["id"];
  EXPECT_EQ(ok(alice, {{"type", "typing"}, {"conversation_id", id}})["forwarded"], true);
  EXPECT_EQ(ok(alice, {{"type", "typing"}, {"conversation_id", id}})["forwarded"], false);
  clock_.advance(config_.typing_interval);
  EXPECT_EQ(ok(alice, {{"type", "typing"}, {"conversation_id", id}})["forwarded"], true);
  EXPECT_EQ(events(bob, "typing").size(), 2u);
  EXPECT_TRUE(events(alice, "typing").empty());
}

}  // namespace
}  // namespace messenger::service::test
