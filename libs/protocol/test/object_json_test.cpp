#include "object_json.h"

#include <gtest/gtest.h>

#include <string>

#include "messenger/protocol/codec.h"
#include "wire_objects.h"

namespace messenger::protocol {
namespace {

using detail::dump;
using detail::OrderedJson;
using detail::to_json;

UserView user_with(std::string username, std::string display_name = "Alice A.") {
  core::User user;
  user.id = core::UserId(12);
  user.username = std::move(username);
  user.profile.display_name = std::move(display_name);
  user.profile.department = "R&D";
  user.profile.title = "Engineer";
  user.profile.email = "alice@example.com";
  user.profile.status_text = "";
  user.is_admin = true;
  user.disabled = false;
  user.created_at = 1'700'000'000'123;
  user.last_seen = -1;
  return UserView{user, PresenceState::away};
}

/// The direct writers must give exactly the bytes of the JSON trees they replace.
void expect_user_same_as_tree(const UserView& view) {
  std::string direct = "prefix";
  ASSERT_TRUE(detail::append_user_json(direct, view));
  EXPECT_EQ(direct, "prefix" + dump(to_json(view)));
}

TEST(ObjectJson, UserMatchesTheTreeForEveryKindOfCharacter) {
  expect_user_same_as_tree(user_with("alice"));
  expect_user_same_as_tree(user_with("", ""));
  expect_user_same_as_tree(user_with("q\"b\\s/ del \x7F", "\b\f\n\r\t and \x01\x1F\x0B"));
  expect_user_same_as_tree(user_with("\xC3\xA9 \xE2\x82\xAC", "\xF0\x9F\x9A\x80 \xF4\x8F\xBF\xBF"));
  auto other = user_with("bob");
  other.user.is_admin = false;
  other.user.disabled = true;
  other.presence = PresenceState::online;
  expect_user_same_as_tree(other);
  other.presence = PresenceState::offline;
  expect_user_same_as_tree(other);
}

TEST(ObjectJson, UserRefusesInvalidUtf8AndLeavesTheOutputAlone) {
  for (const std::string bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "ok \xF0\x9F\x9A"}) {
    std::string out = "kept";
    EXPECT_FALSE(detail::append_user_json(out, user_with(bad))) << bad;
    EXPECT_EQ(out, "kept");
    auto view = user_with("fine");
    view.user.profile.status_text = bad;
    EXPECT_FALSE(detail::append_user_json(out, view)) << bad;
    EXPECT_EQ(out, "kept");
  }
}

TEST(ObjectJson, LimitsMatchTheTree) {
  Limits limits;
  std::string direct;
  detail::append_limits_json(direct, limits);
  EXPECT_EQ(direct, dump(to_json(limits)));
  limits.max_frame_bytes = 1;
  limits.max_json_depth = -3;
  limits.history_page_max = 2'000'000'000;
  limits.max_ids_per_request = 18'446'744'073'709'551'615ULL;
  direct.clear();
  detail::append_limits_json(direct, limits);
  EXPECT_EQ(direct, dump(to_json(limits)));
}

std::string tree_result_frame(const std::string& id, const OrderedJson& result) {
  return R"({"type":"result","id":)" + id + R"(,"result":)" + dump(result) + "}";
}

TEST(ObjectJson, HelloAndLoginFramesMatchTheTree) {
  const HelloResult hello{1, "messenger-server/0.1.0 \"test\"", Limits{}};
  EXPECT_EQ(encode_result("7", hello),
            tree_result_frame("7", OrderedJson{{"version", hello.version},
                                               {"server", hello.server},
                                               {"limits", to_json(hello.limits)}}));
  EXPECT_EQ(encode_result("", hello).substr(0, 30), R"({"type":"result","id":null,"re)");

  const LoginResult login{"tok\"en", user_with("alice")};
  EXPECT_EQ(encode_result(R"("a-1")", login),
            tree_result_frame(R"("a-1")",
                              OrderedJson{{"token", login.token}, {"user", to_json(login.user)}}));
  const LoginResult resume{"", user_with("alice")};
  EXPECT_EQ(encode_result("8", resume),
            tree_result_frame("8", OrderedJson{{"user", to_json(resume.user)}}));
}

TEST(ObjectJson, FramesWithInvalidUtf8StillEncodeThroughTheTree) {
  const std::string hello = encode_result("1", HelloResult{1, "bad \xFF name", Limits{}});
  EXPECT_NE(hello.find("bad \xEF\xBF\xBD name"), std::string::npos) << hello;
  EXPECT_NE(hello.find(R"("limits":{"max_frame_bytes":)"), std::string::npos) << hello;
  const std::string login = encode_result("2", LoginResult{"t", user_with("bad \xFF user")});
  EXPECT_NE(login.find(R"({"token":"t","user":{"id":12,"username":"bad )"), std::string::npos)
      << login;
  EXPECT_NE(login.find("bad \xEF\xBF\xBD user"), std::string::npos) << login;
}

TEST(ObjectJson, PresenceEventMatchesTheTree) {
  for (const auto state : {PresenceState::online, PresenceState::away, PresenceState::offline}) {
    const PresenceEvent event{core::UserId(5), state, 1'700'000'000'999};
    EXPECT_EQ(encode_event(event), dump(OrderedJson{{"type", "presence"},
                                                    {"user_id", 5},
                                                    {"state", to_string(state)},
                                                    {"last_seen", event.last_seen}}));
  }
}

}  // namespace
}  // namespace messenger::protocol
