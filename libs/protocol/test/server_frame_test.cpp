// Client-side decoding: every result, event and error fixture decodes into its struct and encodes
// back to the same JSON; malformed frames fail with a code and a message that names the problem.

#include "messenger/protocol/server_frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "messenger/protocol/codec.h"
#include "test_support.h"

namespace messenger::protocol {
namespace {

using core::Errc;
using nlohmann::json;
using Kind = ServerFrame::Kind;

/// The files of fixtures/<folder>, as "folder/name.json", sorted.
std::vector<std::string> fixture_files(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixtures_dir() / folder)) {
    files.push_back(folder + "/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string stem(const std::string& relative) {
  return std::filesystem::path(relative).stem().string();
}

std::string test_name(const ::testing::TestParamInfo<std::string>& param) {
  std::string name = stem(param.param);
  std::replace_if(
      name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) == 0; }, '_');
  return name;
}

ServerFrame parse_ok(const std::string& text) {
  auto frame = ServerFrame::parse(text);
  EXPECT_TRUE(frame.ok()) << (frame.ok() ? "" : frame.error().message) << "\n" << text;
  return std::move(frame).value();
}

void expect_parse_error(const std::string& text, Errc code, const std::string& message_part) {
  SCOPED_TRACE(text);
  const auto frame = ServerFrame::parse(text);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().code, code) << frame.error().message;
  EXPECT_NE(frame.error().message.find(message_part), std::string::npos) << frame.error().message;
}

template <typename T>
void expect_decode_error(const core::Result<T>& result, Errc code, const std::string& message) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, code);
  EXPECT_EQ(result.error().message, message);
}

// ---- every fixture round-trips: decode, encode with the server's encoder, compare ----

using Reencode = std::function<std::string(const ServerFrame&)>;

template <typename T>
std::string reencode_result(const ServerFrame& frame) {
  const core::Result<T> result = frame.result_as<T>();
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? encode_result(frame.id(), result.value()) : std::string("{}");
}

/// The result struct each fixtures/results file holds. A new fixture needs an entry here.
const std::map<std::string, Reencode>& result_decoders() {
  static const std::map<std::string, Reencode> decoders{
      {"channels", &reencode_result<ChannelsResult>},
      {"conversation", &reencode_result<ConversationResult>},
      {"conversation_list", &reencode_result<ConversationListResult>},
      {"created_user", &reencode_result<CreatedUserResult>},
      {"empty", &reencode_result<EmptyResult>},
      {"hello", &reencode_result<HelloResult>},
      {"login", &reencode_result<LoginResult>},
      {"message", &reencode_result<MessageResult>},
      {"messages", &reencode_result<MessagesResult>},
      {"password", &reencode_result<PasswordResult>},
      {"resume", &reencode_result<LoginResult>},
      {"settings", &reencode_result<SettingsResult>},
      {"typing", &reencode_result<TypingResult>},
      {"user", &reencode_result<UserResult>},
      {"users", &reencode_result<UsersResult>},
  };
  return decoders;
}

class DecodedResultFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(DecodedResultFixture, DecodesAndEncodesBackToTheSameJson) {
  const std::string text = test::fixture_text(GetParam());
  const auto decoder = result_decoders().find(stem(GetParam()));
  ASSERT_NE(decoder, result_decoders().end())
      << GetParam() << " has no entry in result_decoders(): name its result struct there";
  const ServerFrame frame = parse_ok(text);
  EXPECT_EQ(frame.kind(), Kind::result);
  EXPECT_EQ(frame.type(), "result");
  const std::string encoded = decoder->second(frame);
  EXPECT_EQ(json::parse(encoded), json::parse(text)) << encoded;
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, DecodedResultFixture,
                         ::testing::ValuesIn(fixture_files("results")), test_name);

TEST(ResultDecoders, EachNamesAFixture) {
  for (const auto& [name, decoder] : result_decoders()) {
    EXPECT_TRUE(std::filesystem::exists(test::fixtures_dir() / "results" / (name + ".json")))
        << name;
  }
}

class DecodedEventFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(DecodedEventFixture, DecodesAndEncodesBackToTheSameJson) {
  const std::string text = test::fixture_text(GetParam());
  const ServerFrame frame = parse_ok(text);
  EXPECT_EQ(frame.kind(), Kind::event);
  EXPECT_EQ(frame.type(), stem(GetParam()));  // event fixtures are named after their type
  EXPECT_EQ(frame.id(), "null");
  const auto event = frame.event();
  ASSERT_TRUE(event.ok()) << event.error().message;
  const std::string encoded = std::visit([](const auto& e) { return encode_event(e); }, *event);
  EXPECT_EQ(json::parse(encoded), json::parse(text)) << encoded;
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, DecodedEventFixture,
                         ::testing::ValuesIn(fixture_files("events")), test_name);

class DecodedErrorFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(DecodedErrorFixture, DecodesAndEncodesBackToTheSameJson) {
  const std::string text = test::fixture_text(GetParam());
  const ServerFrame frame = parse_ok(text);
  EXPECT_EQ(frame.kind(), Kind::error);
  const core::Error error = frame.error();
  EXPECT_EQ(core::to_string(error.code), stem(GetParam()));  // error fixtures are named by code
  const std::string encoded = encode_error(frame.id(), error);
  EXPECT_EQ(json::parse(encoded), json::parse(text)) << encoded;
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, DecodedErrorFixture,
                         ::testing::ValuesIn(fixture_files("errors")), test_name);

// ---- decoded values the round trip alone would not pin down ----

TEST(DecodedValues, OptionalFieldsAndIds) {
  const ServerFrame resume = parse_ok(test::fixture_text("results/resume.json"));
  EXPECT_EQ(resume.id(), "\"r1\"");
  const auto login = resume.result_as<LoginResult>();
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->token, "");
  EXPECT_EQ(login->user.user.username, "alice");
  EXPECT_EQ(login->user.presence, PresenceState::online);

  const auto list = parse_ok(test::fixture_text("results/conversation_list.json"))
                        .result_as<ConversationListResult>();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->conversations.size(), 2U);
  EXPECT_EQ(list->conversations[0].last_message->seq, Seq(42));
  EXPECT_EQ(list->conversations[0].conversation.members[0].role, core::MemberRole::owner);
  EXPECT_FALSE(list->conversations[1].last_message.has_value());
  EXPECT_EQ(list->conversations[1].conversation.conversation.kind, core::ConversationKind::direct);

  const auto password =
      parse_ok(R"({"type":"result","id":1,"result":{}})").result_as<PasswordResult>();
  ASSERT_TRUE(password.ok());
  EXPECT_FALSE(password->password.has_value());
}

TEST(DecodedValues, SettingsAreCompactJsonText) {
  const auto settings =
      parse_ok(test::fixture_text("results/settings.json")).result_as<SettingsResult>();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->settings_json.find_first_of(" \n"), std::string::npos)
      << settings->settings_json;
  EXPECT_EQ(json::parse(settings->settings_json),
            test::fixture("results/settings.json").at("result").at("settings"));
}

// ---- tolerance: what a newer server may send ----

TEST(DecodeTolerance, UnknownFieldsAreIgnoredAndNullCountsAsAbsent) {
  json frame = test::fixture("results/created_user.json");
  frame["x-trace"] = "abc";
  frame["result"]["x-quota"] = {{"used", 1}};
  frame["result"]["user"]["avatar_url"] = "https://example.com/a.png";
  frame["result"]["password"] = nullptr;
  const auto created = parse_ok(frame.dump()).result_as<CreatedUserResult>();
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->user.user.username, "bob");
  EXPECT_FALSE(created->password.has_value());

  const auto typing =
      parse_ok(R"({"type":"typing","conversation_id":7,"user_id":3,"until":9})").event();
  ASSERT_TRUE(typing.ok());
  EXPECT_EQ(std::get<TypingEvent>(*typing).user_id, UserId(3));
}

TEST(DecodeTolerance, AbsentLastMessageIsNone) {
  json frame = test::fixture("results/conversation_list.json");
  frame["result"]["conversations"][1].erase("last_message");
  const auto list = parse_ok(frame.dump()).result_as<ConversationListResult>();
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_FALSE(list->conversations[1].last_message.has_value());
}

TEST(DecodeTolerance, UnknownEventTypesAreUnknownType) {
  const ServerFrame frame = parse_ok(R"({"type":"call.ringing","call_id":5})");
  EXPECT_EQ(frame.kind(), Kind::event);
  EXPECT_EQ(frame.type(), "call.ringing");
  expect_decode_error(frame.event(), Errc::unknown_type, "unknown event type 'call.ringing'");
}

TEST(DecodeTolerance, UnknownErrorCodesAreInternalAndKeepTheCode) {
  const core::Error error =
      parse_ok(R"({"type":"error","id":5,"code":"teapot","message":"short and stout"})").error();
  EXPECT_EQ(error.code, Errc::internal);
  EXPECT_EQ(error.message, "unknown error code 'teapot': short and stout");

  const core::Error bare = parse_ok(R"({"type":"error","id":5,"code":"teapot"})").error();
  EXPECT_EQ(bare.message, "unknown error code 'teapot'");
}

TEST(DecodeTolerance, EveryKnownErrorCodeIsReadBack) {
  for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
    const auto code = static_cast<Errc>(i);
    const ServerFrame frame = parse_ok(encode_error("\"x\"", core::make_error(code, "m")));
    EXPECT_EQ(frame.id(), "\"x\"");
    EXPECT_EQ(frame.error().code, code);
    EXPECT_EQ(frame.error().message, "m");
  }
}

// ---- frames that cannot be read ----

TEST(FrameParseErrors, NotJsonNotAnObjectOrNoType) {
  expect_parse_error("{oops", Errc::invalid_json, "not valid JSON");
  expect_parse_error("", Errc::invalid_json, "not valid JSON");
  expect_parse_error("[1,2]", Errc::bad_request, "must be an object");
  expect_parse_error(R"("result")", Errc::bad_request, "must be an object");
  expect_parse_error(R"({"id":1,"result":{}})", Errc::bad_request, "field 'type'");
  expect_parse_error(R"({"type":7,"id":1,"result":{}})", Errc::bad_request, "field 'type'");
}

TEST(FrameParseErrors, RepliesNeedAnIdAndErrorsACode) {
  expect_parse_error(R"({"type":"result","result":{}})", Errc::bad_request, "field 'id'");
  expect_parse_error(R"({"type":"error","code":"internal","message":""})", Errc::bad_request,
                     "field 'id'");
  expect_parse_error(R"({"type":"error","id":1,"message":"m"})", Errc::bad_request, "field 'code'");
  expect_parse_error(R"({"type":"error","id":1,"code":3})", Errc::bad_request, "field 'code'");
  // A null id is an id: the server answers frames whose id it could not read that way.
  EXPECT_EQ(parse_ok(R"({"type":"error","id":null,"code":"invalid_json"})").id(), "null");
}

TEST(FrameParseErrors, NestingDeeperThanAnyServerSendsIsTooDeep) {
  // The deepest settings a server accepts (max_json_depth 256, the request being level 1) fit.
  std::string settings = "1";
  for (int i = 0; i < 255; ++i) settings = R"({"a":)" + settings + "}";
  const auto deep = parse_ok(R"({"type":"result","id":1,"result":{"settings":)" + settings + "}}")
                        .result_as<SettingsResult>();
  EXPECT_TRUE(deep.ok());

  expect_parse_error(std::string(301, '[') + std::string(301, ']'), Errc::too_deep, "deeper");
}

TEST(FrameDecodeErrors, MissingOrMistypedFieldsAreNamedByTheirPath) {
  expect_decode_error(parse_ok(R"({"type":"result","id":1})").result_as<EmptyResult>(),
                      Errc::bad_request, "field 'result' is required");
  expect_decode_error(parse_ok(R"({"type":"result","id":1,"result":{"forwarded":"yes"}})")
                          .result_as<TypingResult>(),
                      Errc::bad_request, "field 'result.forwarded' must be true or false");

  json login = test::fixture("results/login.json");
  login["result"]["user"]["presence"] = 5;
  expect_decode_error(parse_ok(login.dump()).result_as<LoginResult>(), Errc::bad_request,
                      "field 'result.user.presence' must be a string");
  login["result"]["user"]["presence"] = "busy";
  expect_decode_error(parse_ok(login.dump()).result_as<LoginResult>(), Errc::bad_request,
                      "field 'result.user.presence' has an unknown value 'busy'");

  json users = test::fixture("results/users.json");
  users["result"]["users"][1]["id"] = "3";
  expect_decode_error(parse_ok(users.dump()).result_as<UsersResult>(), Errc::bad_request,
                      "field 'result.users[1].id' must be a non-negative integer");
  users["result"]["users"][1] = 3;
  expect_decode_error(parse_ok(users.dump()).result_as<UsersResult>(), Errc::bad_request,
                      "field 'result.users[1]' must be an object");

  json message = test::fixture("events/message.new.json");
  message["message"].erase("seq");
  expect_decode_error(parse_ok(message.dump()).event(), Errc::bad_request,
                      "field 'message.seq' is required");
  expect_decode_error(
      parse_ok(R"({"type":"presence","user_id":3,"state":"busy","last_seen":0})").event(),
      Errc::bad_request, "field 'state' has an unknown value 'busy'");
}

TEST(FrameDecodeErrors, AskingAFrameForAnotherKind) {
  const ServerFrame event = parse_ok(test::fixture_text("events/typing.json"));
  expect_decode_error(event.result_as<EmptyResult>(), Errc::bad_request,
                      "frame of type 'typing' is not a result");
  EXPECT_EQ(event.error().code, Errc::bad_request);
  EXPECT_EQ(event.error().message, "frame of type 'typing' is not an error");

  const ServerFrame result = parse_ok(test::fixture_text("results/empty.json"));
  expect_decode_error(result.event(), Errc::bad_request, "frame of type 'result' is not an event");

  // A failed request and a result that cannot be decoded are handled in one place.
  const ServerFrame error = parse_ok(test::fixture_text("errors/not_member.json"));
  expect_decode_error(error.result_as<ConversationResult>(), Errc::not_member,
                      "you are not a member of conversation 7");
}

TEST(ServerFrameCopies, ShareTheParsedFrame) {
  const ServerFrame original = parse_ok(test::fixture_text("events/typing.json"));
  const ServerFrame copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(&copy.type(), &original.type());
}

}  // namespace
}  // namespace messenger::protocol
