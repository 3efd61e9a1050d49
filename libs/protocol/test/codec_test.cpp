// Golden fixtures: every request parses into its struct and encodes back to the same JSON; every
// result, event and error the server encodes equals its fixture; docs/protocol.md shows each one.

#include "messenger/protocol/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "messenger/core/error.h"
#include "test_support.h"

namespace messenger::protocol {
namespace {

using nlohmann::json;
using test::fixture;
using test::fixture_text;

constexpr TimestampMs kT0 = 1'700'000'000'000;

template <std::size_t... I>
std::vector<std::string> all_request_types(std::index_sequence<I...> /*unused*/) {
  return {std::string(request_type(RequestBody(std::in_place_index<I>)))...};
}

std::vector<std::string> all_request_types() {
  return all_request_types(std::make_index_sequence<std::variant_size_v<RequestBody>>{});
}

RequestBody parse_ok(const std::string& frame) {
  ParsedRequest parsed = parse_request(frame, Limits{});
  EXPECT_TRUE(parsed.body.ok()) << (parsed.body.ok() ? "" : parsed.body.error().message);
  return std::move(parsed.body).value();
}

template <typename T>
T parse_fixture_as(const std::string& type) {
  RequestBody body = parse_ok(fixture_text("requests/" + type + ".json"));
  EXPECT_TRUE(std::holds_alternative<T>(body)) << type;
  return std::get<T>(std::move(body));
}

// ---- sample data, the same as in the fixtures ----

UserView alice() {
  UserView view;
  view.user.id = UserId(2);
  view.user.username = "alice";
  view.user.profile = {"Alice Smith", "Engineering", "Backend developer", "alice@example.com",
                       "In the office"};
  view.user.created_at = kT0;
  view.user.last_seen = kT0 + 500'000;
  view.presence = PresenceState::online;
  return view;
}

UserView bob() {
  UserView view;
  view.user.id = UserId(3);
  view.user.username = "bob";
  view.user.profile = {"Bob Jones", "Sales", "Account manager", "bob@example.com", ""};
  view.user.created_at = kT0 + 100'000;
  view.presence = PresenceState::offline;
  return view;
}

ConversationDetails release_group() {
  ConversationDetails details;
  core::Conversation& c = details.conversation;
  c.id = ConversationId(7);
  c.kind = core::ConversationKind::group;
  c.name = "Release 2.0";
  c.topic = "Shipping on Friday";
  c.created_by = UserId(2);
  c.created_at = kT0 + 1'000'000;
  c.last_seq = Seq(42);
  c.last_rev = Rev(45);
  c.last_activity = kT0 + 2'000'000;
  details.members = {{UserId(2), core::MemberRole::owner, Seq(42), kT0 + 1'000'000},
                     {UserId(3), core::MemberRole::member, Seq(40), kT0 + 1'000'000}};
  return details;
}

ConversationDetails direct_with_bob() {
  ConversationDetails details;
  core::Conversation& c = details.conversation;
  c.id = ConversationId(9);
  c.kind = core::ConversationKind::direct;
  c.created_by = UserId(3);
  c.created_at = kT0 + 3'000'000;
  c.last_activity = kT0 + 3'000'000;
  details.members = {{UserId(2), core::MemberRole::member, Seq(0), kT0 + 3'000'000},
                     {UserId(3), core::MemberRole::member, Seq(0), kT0 + 3'000'000}};
  return details;
}

core::Conversation general_channel() {
  core::Conversation c;
  c.id = ConversationId(11);
  c.kind = core::ConversationKind::channel;
  c.name = "general";
  c.topic = "Company-wide announcements";
  c.created_by = UserId(1);
  c.created_at = kT0 - 1'000'000;
  c.last_seq = Seq(1290);
  c.last_rev = Rev(1301);
  c.last_activity = kT0 + 1'500'000;
  return c;
}

core::Message message41() {
  return core::Message{ConversationId(7), Seq(41),         Rev(44),
                       UserId(3),         "b7e1-0041",     "Is the build green?",
                       kT0 + 1'900'000,   kT0 + 1'950'000, false};
}

core::Message message42() {
  return core::Message{ConversationId(7), Seq(42),     Rev(45),
                       UserId(2),         "a1c9-0042", "Yes, merging now \xF0\x9F\x9A\x80",
                       kT0 + 2'000'000,   0,           false};
}

const std::string kToken = "k7Qm1v9ZsXb3TgqLw0HfYp2dNcRe8uJa5oVi4yKtBxE";
const std::string kSettings =
    R"({"theme":"dark","notifications":{"sound":true,"desktop":true},"language":"en"})";

// ---- requests ----

class RequestFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(RequestFixture, ParsesIntoItsTypeAndEncodesBackToTheSameJson) {
  const std::string& type = GetParam();
  const std::string text = fixture_text("requests/" + type + ".json");
  const json expected = json::parse(text);

  ParsedRequest parsed = parse_request(text, Limits{});
  ASSERT_TRUE(parsed.body.ok()) << parsed.body.error().message;
  EXPECT_EQ(request_type(parsed.body.value()), type);
  EXPECT_EQ(json::parse(parsed.id), expected.at("id"));

  const std::string encoded = encode_request(Request{parsed.id, parsed.body.value()});
  EXPECT_EQ(json::parse(encoded), expected) << encoded;

  // And the encoded frame parses into the same alternative again.
  ParsedRequest again = parse_request(encoded, Limits{});
  ASSERT_TRUE(again.body.ok());
  EXPECT_EQ(again.body.value().index(), parsed.body.value().index());
  EXPECT_EQ(again.id, parsed.id);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RequestFixture, ::testing::ValuesIn(all_request_types()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

TEST(RequestTypes, AreUniqueAndEachFixtureFileNamesOne) {
  const auto types = all_request_types();
  const std::set<std::string> unique(types.begin(), types.end());
  EXPECT_EQ(unique.size(), types.size());
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixtures_dir() / "requests")) {
    files.insert(entry.path().stem().string());
  }
  EXPECT_EQ(files, unique);
}

TEST(RequestFixtureValues, HelloAndAuth) {
  const auto hello = parse_fixture_as<Hello>("hello");
  EXPECT_EQ(hello.version, 1);
  EXPECT_EQ(hello.client, "messenger-desktop/0.1.0");

  const auto login = parse_fixture_as<Login>("auth.login");
  EXPECT_EQ(login.username, "alice");
  EXPECT_EQ(login.password, "correct horse battery");
  EXPECT_EQ(login.device, "alice-laptop");

  EXPECT_EQ(parse_fixture_as<Resume>("auth.resume").token, kToken);

  const auto change = parse_fixture_as<ChangePassword>("auth.change_password");
  EXPECT_EQ(change.old_password, "correct horse battery");
  EXPECT_EQ(change.new_password, "staple-battery-horse-42");
}

TEST(RequestFixtureValues, UsersAndSettings) {
  EXPECT_EQ(parse_fixture_as<GetUsers>("user.get").user_ids,
            (std::vector<UserId>{UserId(2), UserId(3)}));

  const auto profile = parse_fixture_as<UpdateProfile>("user.update_profile");
  EXPECT_EQ(profile.display_name, "Alice Smith");
  EXPECT_EQ(profile.status_text, "In the office");
  EXPECT_FALSE(profile.department.has_value());
  EXPECT_FALSE(profile.title.has_value());

  const auto search = parse_fixture_as<SearchDirectory>("directory.search");
  EXPECT_EQ(search.query, "ali");
  EXPECT_EQ(search.department, "Engineering");
  EXPECT_EQ(search.limit, 50);
  EXPECT_EQ(search.after, UserId(0));

  // Stored compact; key order is not kept (JSON objects are unordered).
  const std::string settings = parse_fixture_as<SetSettings>("settings.set").settings_json;
  EXPECT_EQ(settings.find_first_of(" \n"), std::string::npos) << settings;
  EXPECT_EQ(json::parse(settings), fixture("requests/settings.set.json").at("settings"));
  EXPECT_EQ(parse_fixture_as<SetPresence>("presence.set").state, PresenceState::away);
}

TEST(RequestFixtureValues, Admin) {
  const auto create = parse_fixture_as<AdminCreateUser>("admin.user.create");
  EXPECT_EQ(create.username, "bob");
  EXPECT_FALSE(create.password.has_value());
  EXPECT_EQ(create.display_name, "Bob Jones");
  EXPECT_EQ(create.department, "Sales");
  EXPECT_EQ(create.title, "Account manager");
  EXPECT_EQ(create.email, "bob@example.com");
  EXPECT_FALSE(create.is_admin);

  const auto reset = parse_fixture_as<AdminResetPassword>("admin.user.reset_password");
  EXPECT_EQ(reset.user_id, UserId(3));
  EXPECT_FALSE(reset.password.has_value());

  const auto disable = parse_fixture_as<AdminSetDisabled>("admin.user.set_disabled");
  EXPECT_EQ(disable.user_id, UserId(3));
  EXPECT_TRUE(disable.disabled);
  const auto grant = parse_fixture_as<AdminSetAdmin>("admin.user.set_admin");
  EXPECT_EQ(grant.user_id, UserId(3));
  EXPECT_TRUE(grant.is_admin);
}

TEST(RequestFixtureValues, Conversations) {
  EXPECT_EQ(parse_fixture_as<OpenDirect>("conv.open_direct").user_id, UserId(3));

  const auto create = parse_fixture_as<CreateConversation>("conv.create");
  EXPECT_EQ(create.kind, core::ConversationKind::group);
  EXPECT_EQ(create.name, "Release 2.0");
  EXPECT_EQ(create.topic, "Shipping on Friday");
  EXPECT_EQ(create.member_ids, std::vector<UserId>{UserId(3)});

  EXPECT_EQ(parse_fixture_as<GetConversation>("conv.get").conversation_id, ConversationId(7));
  const auto browse = parse_fixture_as<BrowseChannels>("conv.browse");
  EXPECT_EQ(browse.query, "gen");
  EXPECT_EQ(browse.limit, 50);
  EXPECT_EQ(parse_fixture_as<RenameConversation>("conv.rename").name, "Release 2.1");
  EXPECT_EQ(parse_fixture_as<SetTopic>("conv.set_topic").topic, "Shipping next Monday");
  const auto invite = parse_fixture_as<Invite>("conv.invite");
  EXPECT_EQ(invite.conversation_id, ConversationId(7));
  EXPECT_EQ(invite.user_ids, (std::vector<UserId>{UserId(4), UserId(5)}));
  EXPECT_EQ(parse_fixture_as<Join>("conv.join").conversation_id, ConversationId(11));
  EXPECT_EQ(parse_fixture_as<Leave>("conv.leave").conversation_id, ConversationId(11));
  const auto remove = parse_fixture_as<RemoveMember>("conv.remove_member");
  EXPECT_EQ(remove.conversation_id, ConversationId(7));
  EXPECT_EQ(remove.user_id, UserId(5));
  EXPECT_EQ(parse_fixture_as<Archive>("conv.archive").conversation_id, ConversationId(7));
}

TEST(RequestFixtureValues, Messages) {
  const auto send = parse_fixture_as<SendMessage>("msg.send");
  EXPECT_EQ(send.conversation_id, ConversationId(7));
  EXPECT_EQ(send.client_msg_id, "a1c9-0042");
  EXPECT_EQ(send.text, "Yes, merging now \xF0\x9F\x9A\x80");

  const auto history = parse_fixture_as<GetHistory>("msg.history");
  EXPECT_EQ(history.before, Seq(41));
  EXPECT_FALSE(history.after.has_value());
  EXPECT_EQ(history.limit, 50);

  const auto sync = parse_fixture_as<SyncChanges>("msg.sync");
  EXPECT_EQ(sync.after_rev, Rev(43));
  EXPECT_EQ(sync.limit, 100);

  const auto edit = parse_fixture_as<EditMessage>("msg.edit");
  EXPECT_EQ(edit.seq, Seq(41));
  EXPECT_EQ(edit.text, "Is the build green yet?");
  EXPECT_EQ(parse_fixture_as<DeleteMessage>("msg.delete").seq, Seq(41));
  EXPECT_EQ(parse_fixture_as<MarkRead>("msg.read").seq, Seq(42));
  EXPECT_EQ(parse_fixture_as<Typing>("typing").conversation_id, ConversationId(7));
}

TEST(RequestDefaults, OptionalFieldsTakeTheirDocumentedDefaults) {
  const auto hello = std::get<Hello>(parse_ok(R"({"type":"hello","id":1,"version":1})"));
  EXPECT_EQ(hello.client, "");
  EXPECT_EQ(std::get<Login>(parse_ok(R"({"type":"auth.login","id":1,"username":"a",)"
                                     R"("password":"p"})"))
                .device,
            "");

  const auto search = std::get<SearchDirectory>(parse_ok(R"({"type":"directory.search","id":1})"));
  EXPECT_EQ(search.query, "");
  EXPECT_EQ(search.department, "");
  EXPECT_EQ(search.limit, 50);
  EXPECT_EQ(search.after, UserId(0));

  const auto browse = std::get<BrowseChannels>(parse_ok(R"({"type":"conv.browse","id":1})"));
  EXPECT_EQ(browse.query, "");
  EXPECT_EQ(browse.limit, 50);

  const auto history =
      std::get<GetHistory>(parse_ok(R"({"type":"msg.history","id":1,"conversation_id":7})"));
  EXPECT_FALSE(history.before.has_value());
  EXPECT_FALSE(history.after.has_value());
  EXPECT_EQ(history.limit, 50);

  const auto sync =
      std::get<SyncChanges>(parse_ok(R"({"type":"msg.sync","id":1,"conversation_id":7})"));
  EXPECT_EQ(sync.after_rev, Rev(0));
  EXPECT_EQ(sync.limit, 100);

  const auto create = std::get<CreateConversation>(
      parse_ok(R"({"type":"conv.create","id":1,"kind":"channel","name":"general"})"));
  EXPECT_EQ(create.kind, core::ConversationKind::channel);
  EXPECT_EQ(create.topic, "");
  EXPECT_TRUE(create.member_ids.empty());

  const auto user = std::get<AdminCreateUser>(
      parse_ok(R"({"type":"admin.user.create","id":1,"username":"carol"})"));
  EXPECT_EQ(user.display_name, "carol");
  EXPECT_EQ(user.department, "");
  EXPECT_EQ(user.title, "");
  EXPECT_EQ(user.email, "");
  EXPECT_FALSE(user.is_admin);
  EXPECT_FALSE(user.password.has_value());

  const auto profile =
      std::get<UpdateProfile>(parse_ok(R"({"type":"user.update_profile","id":1})"));
  EXPECT_FALSE(profile.display_name || profile.department || profile.title || profile.status_text);
}

TEST(RequestDefaults, NullMeansAbsentAndUnknownFieldsAreIgnored) {
  const auto history = std::get<GetHistory>(
      parse_ok(R"({"type":"msg.history","id":1,"conversation_id":7,"before":null,"after":3,)"
               R"("limit":null,"x-future":{"a":[1,2]}})"));
  EXPECT_FALSE(history.before.has_value());
  EXPECT_EQ(history.after, Seq(3));
  EXPECT_EQ(history.limit, 50);
}

TEST(RequestIds, AreEchoedAsTheClientSentThem) {
  EXPECT_EQ(parse_request(R"({"type":"user.me","id":0})", Limits{}).id, "0");
  EXPECT_EQ(parse_request(R"({"type":"user.me","id":18446744073709551615})", Limits{}).id,
            "18446744073709551615");
  EXPECT_EQ(parse_request(R"({"id":"a\"b\\c","type":"user.me"})", Limits{}).id, R"("a\"b\\c")");
  EXPECT_EQ(parse_request(R"({"type":"user.me","id":"\u00e9t\u00e9"})", Limits{}).id,
            "\"\xC3\xA9t\xC3\xA9\"");
}

TEST(EncodeRequest, WritesOptionalFieldsOnlyWhenPresent) {
  GetHistory history;
  history.conversation_id = ConversationId(7);
  history.after = Seq(0);
  const json encoded = json::parse(encode_request(Request{"\"h1\"", history}));
  EXPECT_EQ(encoded, json::parse(R"({"type":"msg.history","id":"h1","conversation_id":7,)"
                                 R"("after":0,"limit":50})"));

  AdminResetPassword reset;
  reset.user_id = UserId(3);
  reset.password = "new-password-1";
  EXPECT_EQ(json::parse(encode_request(Request{"5", reset})),
            json::parse(R"({"type":"admin.user.reset_password","id":5,"user_id":3,)"
                        R"("password":"new-password-1"})"));
}

TEST(EncodeRequest, AnIdThatIsNotJsonIsSentAsNull) {
  EXPECT_EQ(json::parse(encode_request(Request{"", GetMe{}})).at("id"), nullptr);
  EXPECT_EQ(json::parse(encode_request(Request{"{oops", GetMe{}})).at("id"), nullptr);
}

// ---- results ----

void expect_fixture(const std::string& relative, const std::string& encoded) {
  SCOPED_TRACE(relative);
  const json parsed = json::parse(encoded);  // also proves the frame is valid JSON
  EXPECT_EQ(parsed, fixture(relative)) << encoded;
}

TEST(ResultFixtures, AuthAndUsers) {
  expect_fixture("results/hello.json",
                 encode_result("1", HelloResult{1, "messenger-server/0.1.0", Limits{}}));
  expect_fixture("results/login.json", encode_result("2", LoginResult{kToken, alice()}));
  expect_fixture("results/resume.json", encode_result("\"r1\"", LoginResult{"", alice()}));
  expect_fixture("results/empty.json", encode_result("90", EmptyResult{}));
  expect_fixture("results/user.json", encode_result("3", UserResult{alice()}));
  expect_fixture("results/users.json", encode_result("4", UsersResult{{alice(), bob()}}));
  expect_fixture("results/settings.json", encode_result("7", SettingsResult{kSettings}));
  expect_fixture("results/created_user.json",
                 encode_result("\"adm-1\"", CreatedUserResult{bob(), "Xk4v-9pQe-Lm2R-7tWz"}));
  expect_fixture("results/password.json",
                 encode_result("\"adm-2\"", PasswordResult{"Hn3s-Qa8d-Vb6k-2mYc"}));
}

TEST(ResultFixtures, ConversationsAndMessages) {
  expect_fixture("results/conversation.json",
                 encode_result("13", ConversationResult{release_group()}));

  ConversationListResult list;
  list.conversations.push_back({release_group(), message42(), 2, Seq(40)});
  list.conversations.push_back({direct_with_bob(), std::nullopt, 0, Seq(0)});
  expect_fixture("results/conversation_list.json", encode_result("12", list));

  expect_fixture("results/channels.json",
                 encode_result("14", ChannelsResult{{{general_channel(), 57, true}}}));
  expect_fixture("results/message.json",
                 encode_result("\"m-1042\"", MessageResult{message42(), false}));
  expect_fixture("results/messages.json",
                 encode_result("22", MessagesResult{{message41(), message42()}, true}));
  expect_fixture("results/typing.json", encode_result("27", TypingResult{true}));
}

TEST(ResultEncoding, OmitsAbsentPasswordsAndSendsAnEmptyIdAsNull) {
  EXPECT_EQ(json::parse(encode_result("1", PasswordResult{})),
            json::parse(R"({"type":"result","id":1,"result":{}})"));
  const json created = json::parse(encode_result("1", CreatedUserResult{bob(), std::nullopt}));
  EXPECT_FALSE(created.at("result").contains("password"));
  EXPECT_EQ(json::parse(encode_result("", EmptyResult{})).at("id"), nullptr);
}

TEST(ResultEncoding, EmptySettingsTextIsAnEmptyObject) {
  EXPECT_EQ(json::parse(encode_result("1", SettingsResult{""})).at("result").at("settings"),
            json::object());
  EXPECT_EQ(json::parse(encode_event(SettingsUpdatedEvent{"not json"})).at("settings"),
            json::object());
}

TEST(ResultEncoding, InvalidUtf8InStoredTextNeverBreaksTheFrame) {
  core::Message broken = message42();
  broken.text = "bad \xFF\xFE bytes";
  const std::string frame = encode_event(MessageNewEvent{broken});
  const json parsed = json::parse(frame);  // throws (fails the test) if the frame is not JSON
  EXPECT_EQ(parsed.at("message").at("text"), "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

// ---- events ----

TEST(EventFixtures, EveryEventEqualsItsFixture) {
  expect_fixture("events/message.new.json", encode_event(MessageNewEvent{message42()}));

  core::Message tombstone = message41();
  tombstone.rev = Rev(46);
  tombstone.text.clear();
  tombstone.deleted = true;
  expect_fixture("events/message.updated.json", encode_event(MessageUpdatedEvent{tombstone}));

  expect_fixture("events/read.updated.json",
                 encode_event(ReadUpdatedEvent{ConversationId(7), UserId(2), Seq(42)}));
  expect_fixture("events/conversation.added.json",
                 encode_event(ConversationAddedEvent{release_group()}));
  ConversationDetails updated = release_group();
  updated.conversation.topic = "Shipping next Monday";
  expect_fixture("events/conversation.updated.json",
                 encode_event(ConversationUpdatedEvent{updated}));
  expect_fixture("events/conversation.removed.json",
                 encode_event(ConversationRemovedEvent{ConversationId(7)}));
  expect_fixture("events/typing.json", encode_event(TypingEvent{ConversationId(7), UserId(3)}));
  expect_fixture("events/presence.json",
                 encode_event(PresenceEvent{UserId(3), PresenceState::offline, kT0 + 2'500'000}));
  UserView changed = alice();
  changed.user.profile.status_text = "Working from home";
  expect_fixture("events/user.updated.json", encode_event(UserUpdatedEvent{changed}));
  expect_fixture("events/settings.updated.json", encode_event(SettingsUpdatedEvent{kSettings}));
}

TEST(EventEncoding, EventsStartWithTheirTypeAndHaveNoId) {
  const std::string frame = encode_event(TypingEvent{ConversationId(7), UserId(3)});
  EXPECT_EQ(frame.rfind(R"({"type":"typing",)", 0), 0U) << frame;
  EXPECT_FALSE(json::parse(frame).contains("id"));
}

// ---- errors ----

TEST(ErrorFixtures, ErrorFramesEqualTheirFixtures) {
  expect_fixture("errors/not_member.json",
                 encode_error("13", core::make_error(core::Errc::not_member,
                                                     "you are not a member of conversation 7")));
  const ParsedRequest parsed = parse_request("{oops", Limits{});
  ASSERT_FALSE(parsed.body.ok());
  expect_fixture("errors/invalid_json.json", encode_error(parsed.id, parsed.body.error()));
}

TEST(ErrorEncoding, EveryCodeIsSentWithItsStableName) {
  for (int i = 0; i <= static_cast<int>(core::Errc::internal); ++i) {
    const auto code = static_cast<core::Errc>(i);
    const json frame = json::parse(encode_error("\"x\"", core::make_error(code, "m \"q\"")));
    EXPECT_EQ(frame.at("type"), "error");
    EXPECT_EQ(frame.at("id"), "x");
    EXPECT_EQ(frame.at("code"), std::string(core::to_string(code)));
    EXPECT_EQ(frame.at("message"), "m \"q\"");
  }
}

// ---- the document shows every fixture verbatim ----

TEST(ProtocolDocument, ShowsEveryFixtureVerbatim) {
  const std::string document =
      test::read_file(std::filesystem::path(MESSENGER_DOCS_DIR) / "protocol.md");
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::fixtures_dir())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::string text = test::read_file(entry.path());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    EXPECT_NE(document.find(text), std::string::npos)
        << "docs/protocol.md does not show " << entry.path().string();
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

}  // namespace
}  // namespace messenger::protocol
