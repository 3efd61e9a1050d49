// Every rule of parse_request for bad input: each gets the documented code, the id when it could
// be read, and a message naming the field. Limits are tested just at and just over the bound.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "messenger/protocol/codec.h"
#include "test_support.h"

namespace messenger::protocol {
namespace {

using core::Errc;
using nlohmann::json;

const Limits kLimits{};

std::string repeat(std::string_view unit, std::size_t count) {
  std::string out;
  out.reserve(unit.size() * count);
  for (std::size_t i = 0; i < count; ++i) out.append(unit);
  return out;
}

/// A request frame: {"type":type,"id":7, ...fields}.
std::string frame(std::string_view type, const json& fields = json::object()) {
  json request = fields;
  request["type"] = type;
  request["id"] = 7;
  return request.dump();
}

::testing::AssertionResult parses(const std::string& text, const Limits& limits = kLimits) {
  const ParsedRequest parsed = parse_request(text, limits);
  if (parsed.body.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "rejected with " << core::to_string(parsed.body.error().code) << ": "
         << parsed.body.error().message;
}

/// Expects an error with `code`, the id as JSON text, and a message containing `needle`.
void expect_error(const std::string& text, Errc code, std::string_view id,
                  std::string_view needle = "", const Limits& limits = kLimits) {
  SCOPED_TRACE(text.size() > 200 ? text.substr(0, 200) + "..." : text);
  const ParsedRequest parsed = parse_request(text, limits);
  ASSERT_FALSE(parsed.body.ok()) << "accepted";
  EXPECT_EQ(core::to_string(parsed.body.error().code), core::to_string(code))
      << parsed.body.error().message;
  EXPECT_EQ(parsed.id, id);
  EXPECT_NE(parsed.body.error().message.find(needle), std::string::npos)
      << "message: " << parsed.body.error().message << ", expected to contain: " << needle;
}

/// The frame with "text" set, for requests whose other fields come from `base`.
std::string send_text(const std::string& base, const std::string& text) {
  json request = json::parse(base);
  request["text"] = text;
  return request.dump();
}

/// A field error: bad_request (or `code`) for request id 7, the message naming the field.
void expect_field_error(const std::string& text, std::string_view field,
                        Errc code = Errc::bad_request, const Limits& limits = kLimits) {
  expect_error(text, code, "7", "field '" + std::string(field) + "'", limits);
}

// ---- frame-level rules ----

TEST(FrameSize, AtTheLimitIsAcceptedAndOneByteMoreIsTooLarge) {
  std::string text = frame("user.me");
  text.append(kLimits.max_frame_bytes - text.size(), ' ');
  ASSERT_EQ(text.size(), kLimits.max_frame_bytes);
  EXPECT_TRUE(parses(text));
  text.push_back(' ');
  expect_error(text, Errc::too_large, "null", "65536");
}

TEST(FrameSize, IsCheckedBeforeAnythingElse) {
  Limits small;
  small.max_frame_bytes = 10;
  expect_error(repeat("[", 11), Errc::too_large, "null", "", small);
}

TEST(Depth, OneHundredThousandOpenBracketsAreTooDeepWithoutCrashing) {
  Limits big;
  big.max_frame_bytes = 1'000'000;
  expect_error(repeat("[", 100'000), Errc::too_deep, "null", "16", big);
  expect_error(repeat("{\"a\":", 100'000), Errc::too_deep, "null", "", big);
  expect_error(R"({"type":"user.me","id":1,"x":)" + repeat("[", 100'000), Errc::too_deep, "null",
               "", big);
}

TEST(Depth, AtTheLimitIsAcceptedAndOneLevelMoreIsTooDeep) {
  // The request object is level 1 and "settings" level 2; the innermost array is level 16.
  const auto nested = [](int arrays) {
    return R"({"type":"settings.set","id":7,"settings":{"a":)" + repeat("[", arrays) +
           repeat("]", arrays) + "}}";
  };
  EXPECT_TRUE(parses(nested(14)));
  expect_error(nested(15), Errc::too_deep, "7");
}

TEST(Depth, TheIdOfATooDeepButValidFrameIsStillEchoed) {
  Limits big;
  big.max_frame_bytes = 1'000'000;
  const std::string deep = repeat("[", 100'000) + repeat("]", 100'000);
  expect_error(R"({"type":"user.me","id":21,"x":)" + deep + "}", Errc::too_deep, "21", "", big);
  // The id may come after the deep part, and only the top-level "id" counts.
  expect_error(R"({"x":)" + deep + R"(,"y":{"id":"inner"},"id":"outer"})", Errc::too_deep,
               R"("outer")", "", big);
  // No usable id: not an object, an invalid id, an id that is itself deep, or broken JSON.
  expect_error(repeat("[", 20) + R"({"id":1})" + repeat("]", 20), Errc::too_deep, "null");
  expect_error(R"({"id":-1,"x":)" + deep + "}", Errc::too_deep, "null", "", big);
  expect_error(R"({"id":)" + deep + "}", Errc::too_deep, "null", "", big);
  expect_error(R"({"id":1,"x":)" + deep + "}}", Errc::too_deep, "null", "", big);
  expect_error(R"({"id":1,"id":[1],"x":)" + deep + "}", Errc::too_deep, "null", "", big);
}

TEST(Depth, BracketsInsideStringsDoNotCount) {
  const std::string text = repeat("[", 50) + R"(\"{{{)" + repeat("{", 50);
  EXPECT_TRUE(
      parses(frame("msg.send", {{"conversation_id", 1}, {"client_msg_id", "c1"}, {"text", text}})));
}

TEST(InvalidJson, IsRejectedWithANullId) {
  for (const std::string text :
       {"", "   ", "{oops", R"({"type":"user.me","id":1)", R"({"type":"user.me","id":1}x)",
        R"({"type":'user.me'})", "{\"type\":\"user.me\",\"id\":1,}", "]]]]"}) {
    expect_error(text, Errc::invalid_json, "null", "not valid JSON");
  }
}

TEST(InvalidJson, InvalidUtf8InsideAStringIsInvalidJson) {
  const std::string prefix = R"({"type":"msg.send","id":7,"conversation_id":1,)"
                             R"("client_msg_id":"c1","text":")";
  for (const std::string bad :
       {"\xFF", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "a\x80z", "\xF4\x90\x80\x80"}) {
    expect_error(prefix + bad + "\"}", Errc::invalid_json, "null");
  }
  // An escaped lone surrogate is not a character either.
  expect_error(prefix + R"(\ud800"})", Errc::invalid_json, "null");
  // Valid multi-byte text is fine.
  EXPECT_TRUE(
      parses(prefix + "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xF0\x9F\x91\x8B\"}"));
}

TEST(Envelope, ANonObjectIsABadRequest) {
  for (const std::string text : {"[]", "42", R"("user.me")", "null", "true", R"([{"id":1}])"}) {
    expect_error(text, Errc::bad_request, "null", "object");
  }
}

TEST(Envelope, AMissingOrMistypedIdIsABadRequestWithANullId) {
  const std::string too_long = repeat("x", kLimits.max_request_id_chars + 1);
  for (const std::string& id :
       std::vector<std::string>{"", "-1", "1.5", "1e3", "true", "null", "[1]", R"({"a":1})",
                                R"("")", "\"" + too_long + "\""}) {
    const std::string text = R"({"type":"user.me")" + (id.empty() ? "" : R"(,"id":)" + id) + "}";
    expect_error(text, Errc::bad_request, "null", "field 'id'");
  }
}

TEST(Envelope, IdLengthIsCountedInCharactersUpToTheLimit) {
  const std::string at_limit = repeat("\xC3\xA9", kLimits.max_request_id_chars);  // 64 x 'é'
  const ParsedRequest parsed =
      parse_request(R"({"type":"user.me","id":")" + at_limit + "\"}", kLimits);
  ASSERT_TRUE(parsed.body.ok());
  EXPECT_EQ(parsed.id, "\"" + at_limit + "\"");
  expect_error(R"({"type":"user.me","id":")" + at_limit + "x\"}", Errc::bad_request, "null");
}

TEST(Envelope, AMissingOrMistypedTypeIsABadRequestThatKeepsTheId) {
  expect_error(R"({"id":"q1"})", Errc::bad_request, R"("q1")", "field 'type'");
  expect_error(R"({"id":"q1","type":5})", Errc::bad_request, R"("q1")", "field 'type'");
  expect_error(R"({"id":3,"type":null})", Errc::bad_request, "3", "field 'type'");
}

TEST(Envelope, AnUnknownTypeKeepsTheId) {
  expect_error(R"({"type":"msg.explode","id":"u-9"})", Errc::unknown_type, R"("u-9")",
               "'msg.explode'");
  expect_error(R"({"type":"","id":4})", Errc::unknown_type, "4");
  expect_error(R"({"type":"MSG.SEND","id":4})", Errc::unknown_type, "4");
  // The echoed type is cut to 64 characters.
  const ParsedRequest parsed =
      parse_request(R"({"type":")" + repeat("z", 1000) + R"(","id":4})", kLimits);
  ASSERT_FALSE(parsed.body.ok());
  EXPECT_LT(parsed.body.error().message.size(), 100U);
}

// ---- field kinds ----

TEST(IdField, MustBeAPositiveInteger) {
  const auto send = [](const json& id) { return frame("conv.get", {{"conversation_id", id}}); };
  EXPECT_TRUE(parses(send(1)));
  EXPECT_TRUE(parses(send(INT64_MAX)));
  expect_error(frame("conv.get"), Errc::bad_request, "7", "field 'conversation_id' is required");
  expect_error(frame("conv.get", {{"conversation_id", nullptr}}), Errc::bad_request, "7",
               "field 'conversation_id' is required");
  for (const json& bad : {json(0), json(-3), json(1.5), json(1e3), json("7"), json(true),
                          json::array({7}), json::object()}) {
    expect_error(send(bad), Errc::bad_request, "7",
                 "field 'conversation_id' must be a positive integer");
  }
  // 2^63 does not fit an int64; 2^64 is not even an integer to the parser.
  expect_field_error(R"({"type":"conv.get","id":7,"conversation_id":9223372036854775808})",
                     "conversation_id");
  expect_field_error(R"({"type":"conv.get","id":7,"conversation_id":18446744073709551616})",
                     "conversation_id");
}

TEST(IdField, EveryRequiredIdIsChecked) {
  expect_field_error(frame("conv.remove_member", {{"conversation_id", 1}, {"user_id", 0}}),
                     "user_id");
  expect_field_error(frame("msg.read", {{"conversation_id", 1}, {"seq", 0}}), "seq");
  expect_field_error(frame("msg.delete", {{"conversation_id", 1}}), "seq");
  expect_field_error(frame("msg.edit", {{"conversation_id", 1}, {"seq", -1}, {"text", "x"}}),
                     "seq");
  expect_field_error(frame("admin.user.set_admin", {{"user_id", "3"}, {"is_admin", true}}),
                     "user_id");
  expect_field_error(frame("conv.open_direct"), "user_id");
  expect_field_error(frame("typing", {{"conversation_id", 2.0}}), "conversation_id");
}

TEST(CounterField, SeqAndRevAnchorsAreNonNegative) {
  const auto history = [](const json& fields) {
    json f = fields;
    f["conversation_id"] = 1;
    return frame("msg.history", f);
  };
  EXPECT_TRUE(parses(history({{"after", 0}})));
  EXPECT_TRUE(parses(history({{"before", 1}})));
  expect_field_error(history({{"after", -1}}), "after");
  expect_field_error(history({{"before", 0}}), "before");
  expect_field_error(history({{"before", "5"}}), "before");
  expect_error(history({{"before", 5}, {"after", 1}}), Errc::bad_request, "7",
               "'before' and 'after'");
  expect_field_error(frame("msg.sync", {{"conversation_id", 1}, {"after_rev", -1}}), "after_rev");
  expect_field_error(frame("directory.search", {{"after", -5}}), "after");
}

TEST(IntegerField, PageLimitsAtAndOverTheirBounds) {
  const auto history = [](const json& limit) {
    return frame("msg.history", {{"conversation_id", 1}, {"limit", limit}});
  };
  EXPECT_TRUE(parses(history(1)));
  EXPECT_TRUE(parses(history(kLimits.history_page_max)));
  expect_error(history(kLimits.history_page_max + 1), Errc::bad_request, "7",
               "field 'limit' must be an integer from 1 to 200");
  expect_field_error(history(0), "limit");
  expect_field_error(history("50"), "limit");
  expect_field_error(history(50.5), "limit");

  Limits small;
  small.history_page_max = 10;
  EXPECT_TRUE(parses(frame("msg.sync", {{"conversation_id", 1}, {"limit", 10}}), small));
  expect_field_error(frame("msg.sync", {{"conversation_id", 1}, {"limit", 11}}), "limit",
                     Errc::bad_request, small);

  EXPECT_TRUE(parses(frame("directory.search", {{"limit", 200}})));
  expect_field_error(frame("directory.search", {{"limit", 201}}), "limit");
  EXPECT_TRUE(parses(frame("conv.browse", {{"limit", 200}})));
  expect_field_error(frame("conv.browse", {{"limit", 0}}), "limit");
}

TEST(IntegerField, HelloVersionMustBeAnInteger) {
  EXPECT_TRUE(parses(frame("hello", {{"version", 99}})));  // the service rejects the version
  expect_field_error(frame("hello", {{"version", "1"}}), "version");
  expect_field_error(frame("hello"), "version");
  expect_field_error(frame("hello", {{"version", 4294967296}}), "version");
}

TEST(StringField, MistypedOrMissingStringsAreBadRequests) {
  expect_error(frame("auth.login", {{"username", 5}, {"password", "p"}}), Errc::bad_request, "7",
               "field 'username' must be a string");
  expect_error(frame("auth.login", {{"username", "a"}}), Errc::bad_request, "7",
               "field 'password' is required");
  expect_field_error(frame("auth.resume", {{"token", json::array()}}), "token");
  expect_field_error(frame("conv.set_topic", {{"conversation_id", 1}}), "topic");
  expect_field_error(frame("user.update_profile", {{"title", false}}), "title");
  expect_field_error(frame("hello", {{"version", 1}, {"client", 1}}), "client");
}

TEST(StringField, NamesAreCountedInCodePoints) {
  const std::string at_limit = repeat("\xC3\xA9", kLimits.max_name_chars);  // 100 x 'é'
  const auto rename = [](const std::string& name) {
    return frame("conv.rename", {{"conversation_id", 1}, {"name", name}});
  };
  EXPECT_TRUE(parses(rename(at_limit)));
  expect_error(rename(at_limit + "e"), Errc::bad_request, "7",
               "field 'name' must be at most 100 characters");
  expect_error(rename(""), Errc::bad_request, "7", "field 'name' must not be empty");
  expect_field_error(frame("conv.create", {{"kind", "group"}, {"name", at_limit + "e"}}), "name");
  expect_field_error(frame("conv.create", {{"kind", "group"}}), "name");
}

TEST(StringField, TopicAndProfileFieldsAtAndOverTheirLimits) {
  const auto topic = [](std::size_t n) {
    return frame("conv.set_topic", {{"conversation_id", 1}, {"topic", repeat("t", n)}});
  };
  EXPECT_TRUE(parses(topic(0)));
  EXPECT_TRUE(parses(topic(kLimits.max_topic_chars)));
  expect_field_error(topic(kLimits.max_topic_chars + 1), "topic");
  expect_field_error(
      frame("conv.create", {{"kind", "group"}, {"name", "n"}, {"topic", repeat("t", 501)}}),
      "topic");

  const std::size_t max = kLimits.max_profile_field_chars;
  for (const char* field : {"department", "title", "status_text"}) {
    EXPECT_TRUE(parses(frame("user.update_profile", {{field, repeat("\xE2\x82\xAC", max)}})));
    expect_field_error(frame("user.update_profile", {{field, repeat("d", max + 1)}}), field);
  }
  for (const char* field : {"department", "title", "email"}) {
    expect_field_error(
        frame("admin.user.create", {{"username", "u"}, {field, repeat("d", max + 1)}}), field);
  }
  EXPECT_TRUE(parses(
      frame("user.update_profile", {{"display_name", repeat("n", kLimits.max_name_chars)}})));
  expect_field_error(
      frame("user.update_profile", {{"display_name", repeat("n", kLimits.max_name_chars + 1)}}),
      "display_name");
  expect_field_error(frame("user.update_profile", {{"display_name", ""}}), "display_name");
  expect_field_error(frame("directory.search", {{"query", repeat("q", max + 1)}}), "query");
  expect_field_error(
      frame("auth.login", {{"username", "u"}, {"password", "p"}, {"device", repeat("d", max + 1)}}),
      "device");
}

TEST(StringField, MessageTextIsNonEmptyAndCountedInBytes) {
  const auto send = [](const std::string& text) {
    return frame("msg.send", {{"conversation_id", 1}, {"client_msg_id", "c1"}, {"text", text}});
  };
  const std::string at_limit = repeat("\xF0\x9F\x98\x80", kLimits.max_text_bytes / 4);
  ASSERT_EQ(at_limit.size(), kLimits.max_text_bytes);
  EXPECT_TRUE(parses(send(at_limit)));
  expect_error(send(at_limit + "a"), Errc::too_large, "7",
               "field 'text' must be at most 16384 bytes");
  expect_error(send(""), Errc::bad_request, "7", "field 'text' must not be empty");
  EXPECT_TRUE(parses(send(" ")));  // no trimming
  expect_field_error(frame("msg.send", {{"conversation_id", 1}, {"client_msg_id", "c1"}}), "text");
  expect_field_error(send_text(frame("msg.edit", {{"conversation_id", 1}, {"seq", 1}}), ""),
                     "text");
  expect_error(send_text(frame("msg.edit", {{"conversation_id", 1}, {"seq", 1}}), at_limit + "a"),
               Errc::too_large, "7", "field 'text'");
}

TEST(StringField, ClientMsgIdFromOneToItsLimit) {
  const auto send = [](const std::string& client_msg_id) {
    return frame("msg.send",
                 {{"conversation_id", 1}, {"client_msg_id", client_msg_id}, {"text", "hi"}});
  };
  EXPECT_TRUE(parses(send("x")));
  EXPECT_TRUE(parses(send(repeat("c", kLimits.max_client_msg_id_chars))));
  expect_field_error(send(repeat("c", kLimits.max_client_msg_id_chars + 1)), "client_msg_id");
  expect_field_error(send(""), "client_msg_id");
  expect_field_error(
      frame("msg.send", {{"conversation_id", 1}, {"client_msg_id", 5}, {"text", "hi"}}),
      "client_msg_id");
}

TEST(StringField, PasswordsAreBoundedInBytesAndNewOnesHaveAMinimumLength) {
  const std::string longest = repeat("p", kLimits.max_password_bytes);
  const auto login = [](const std::string& password) {
    return frame("auth.login", {{"username", "alice"}, {"password", password}});
  };
  EXPECT_TRUE(parses(login(longest)));
  EXPECT_TRUE(parses(login("")));  // a wrong password is the service's answer, not ours
  expect_field_error(login(longest + "p"), "password");

  const auto change = [](const std::string& next) {
    return frame("auth.change_password", {{"old_password", "old"}, {"new_password", next}});
  };
  const std::string shortest = repeat("\xC3\xA9", kLimits.min_password_chars);  // 8 x 'é'
  EXPECT_TRUE(parses(change(shortest)));
  EXPECT_TRUE(parses(change(longest)));
  expect_error(change(repeat("p", kLimits.min_password_chars - 1)), Errc::bad_request, "7",
               "field 'new_password' must be at least 8 characters");
  expect_field_error(change(longest + "p"), "new_password");
  expect_field_error(frame("auth.change_password", {{"new_password", shortest}}), "old_password");

  EXPECT_TRUE(parses(frame("admin.user.create", {{"username", "u"}, {"password", shortest}})));
  expect_field_error(frame("admin.user.create", {{"username", "u"}, {"password", "short"}}),
                     "password");
  expect_field_error(frame("admin.user.reset_password", {{"user_id", 3}, {"password", 12345678}}),
                     "password");
  expect_field_error(frame("admin.user.reset_password", {{"user_id", 3}, {"password", "1234567"}}),
                     "password");
}

TEST(BooleanField, MustBeAJsonBoolean) {
  EXPECT_TRUE(parses(frame("admin.user.set_disabled", {{"user_id", 3}, {"disabled", false}})));
  expect_error(frame("admin.user.set_disabled", {{"user_id", 3}, {"disabled", "true"}}),
               Errc::bad_request, "7", "field 'disabled' must be true or false");
  expect_field_error(frame("admin.user.set_disabled", {{"user_id", 3}, {"disabled", 1}}),
                     "disabled");
  expect_field_error(frame("admin.user.set_disabled", {{"user_id", 3}}), "disabled");
  expect_field_error(frame("admin.user.set_admin", {{"user_id", 3}}), "is_admin");
  expect_field_error(frame("admin.user.create", {{"username", "u"}, {"is_admin", "no"}}),
                     "is_admin");
}

TEST(IdArrayField, IsAnArrayOfPositiveIntegersUpToItsLimit) {
  const auto invite = [](const json& ids) {
    return frame("conv.invite", {{"conversation_id", 1}, {"user_ids", ids}});
  };
  json ids = json::array();
  for (std::size_t i = 1; i <= kLimits.max_ids_per_request; ++i) ids.push_back(i);
  EXPECT_TRUE(parses(invite(ids)));
  ids.push_back(kLimits.max_ids_per_request + 1);
  expect_error(invite(ids), Errc::bad_request, "7",
               "field 'user_ids' must have at most 1000 entries");
  for (const json& bad :
       {json(3), json("1,2"), json::array({1, 0}), json::array({1, -2}), json::array({1, "2"}),
        json::array({1.5}), json::array({nullptr}), json::array({json::array({1})})}) {
    expect_error(invite(bad), Errc::bad_request, "7",
                 "field 'user_ids' must be an array of positive integers");
  }
  expect_field_error(frame("conv.invite", {{"conversation_id", 1}}), "user_ids");
  expect_field_error(frame("user.get", {{"user_ids", json::object()}}), "user_ids");
  expect_field_error(frame("conv.create", {{"kind", "group"}, {"name", "n"}, {"member_ids", ids}}),
                     "member_ids");
  expect_field_error(
      frame("conv.create", {{"kind", "group"}, {"name", "n"}, {"member_ids", json::array({0})}}),
      "member_ids");
}

TEST(SettingsField, IsAnObjectWhoseCompactFormFitsTheLimit) {
  // {"k":"..."} is 8 bytes plus the string.
  const auto settings = [](std::size_t compact_size) {
    return json{{"k", repeat("s", compact_size - 8)}};
  };
  ASSERT_EQ(settings(100).dump().size(), 100U);
  EXPECT_TRUE(parses(frame("settings.set", {{"settings", settings(kLimits.max_settings_bytes)}})));
  expect_error(frame("settings.set", {{"settings", settings(kLimits.max_settings_bytes + 1)}}),
               Errc::too_large, "7", "field 'settings' must be at most 16384 bytes");

  // Whitespace in the frame does not count: only the compact form is measured and stored.
  const std::string padded = R"({"type":"settings.set","id":7,"settings":{ "k" :  ")" +
                             repeat("s", kLimits.max_settings_bytes - 8) + R"("   }})";
  const ParsedRequest parsed = parse_request(padded, kLimits);
  ASSERT_TRUE(parsed.body.ok());
  EXPECT_EQ(std::get<SetSettings>(parsed.body.value()).settings_json.size(),
            kLimits.max_settings_bytes);

  EXPECT_TRUE(parses(frame("settings.set", {{"settings", json::object()}})));
  for (const json& bad : {json("{}"), json::array(), json(1)}) {
    expect_error(frame("settings.set", {{"settings", bad}}), Errc::bad_request, "7",
                 "field 'settings' must be an object");
  }
  expect_field_error(frame("settings.set"), "settings");
}

TEST(ChoiceField, KindAndPresenceStateAcceptOnlyTheirValues) {
  EXPECT_TRUE(parses(frame("conv.create", {{"kind", "channel"}, {"name", "n"}})));
  expect_error(frame("conv.create", {{"kind", "direct"}, {"name", "n"}}), Errc::bad_request, "7",
               "field 'kind' must be one of 'group', 'channel'");
  expect_field_error(frame("conv.create", {{"kind", 1}, {"name", "n"}}), "kind");
  expect_field_error(frame("conv.create", {{"name", "n"}}), "kind");

  EXPECT_TRUE(parses(frame("presence.set", {{"state", "online"}})));
  expect_error(frame("presence.set", {{"state", "offline"}}), Errc::bad_request, "7",
               "field 'state' must be one of 'online', 'away'");
  expect_field_error(frame("presence.set", {{"state", "Online"}}), "state");
  expect_field_error(frame("presence.set"), "state");
}

TEST(Robustness, MangledFramesNeverThrow) {
  // Truncations and byte flips of every fixture: whatever comes back, parse_request returns.
  std::mt19937 random(20240601);
  int rejected = 0;
  int total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixtures_dir() / "requests")) {
    const std::string text = test::read_file(entry.path());
    for (std::size_t cut = 0; cut < text.size(); cut += 7) {
      const ParsedRequest parsed = parse_request(text.substr(0, cut), kLimits);
      rejected += parsed.body.ok() ? 0 : 1;
      ++total;
    }
    for (int round = 0; round < 50; ++round) {
      std::string mangled = text;
      const std::size_t at = random() % mangled.size();
      mangled[at] = static_cast<char>(random() % 256);
      const ParsedRequest parsed = parse_request(mangled, kLimits);
      if (!parsed.body.ok()) {
        EXPECT_FALSE(parsed.body.error().message.empty());
        ++rejected;
      }
      ++total;
    }
  }
  EXPECT_GT(total, 1000);
  EXPECT_GT(rejected, total / 2);
}

}  // namespace
}  // namespace messenger::protocol
