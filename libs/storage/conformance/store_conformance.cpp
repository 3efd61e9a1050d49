#include "store_conformance.h"

#include <algorithm>

namespace messenger::storage::conformance {

using core::ConversationKind;
using core::MemberRole;
using core::Ok;

void PrintTo(const StoreBackend& backend, std::ostream* out) {
  *out << backend.name;
}

std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreConformance::SetUp() {
  store_ = GetParam().make_store();
  ASSERT_NE(store_, nullptr) << "the factory of backend " << GetParam().name << " gave no store";
}

void StoreConformance::TearDown() {
  store_.reset();
  if (GetParam().after_test) GetParam().after_test();
}

User StoreConformance::add_user(std::string_view username, Profile profile) {
  NewUser user{.username = std::string(username),
               .password_hash = "hash-of-" + std::string(username),
               .profile = std::move(profile),
               .is_admin = false,
               .created_at = tick()};
  return expect_ok(store().create_user(user));
}

Conversation StoreConformance::add_conversation(ConversationKind kind, std::string_view name,
                                                UserId owner, const std::vector<UserId>& others) {
  const auto at = tick();
  Conversation conversation;
  conversation.kind = kind;
  conversation.name = std::string(name);
  conversation.created_by = owner;
  conversation.created_at = at;
  std::vector<Member> members{Member{owner, MemberRole::owner, Seq(), at}};
  for (const auto other : others) members.push_back(Member{other, MemberRole::member, Seq(), at});
  return expect_ok(store().create_conversation(conversation, members));
}

Conversation StoreConformance::add_direct(UserId a, UserId b) {
  const auto at = tick();
  Conversation conversation;
  conversation.kind = ConversationKind::direct;
  conversation.created_by = a;
  conversation.created_at = at;
  const std::vector<Member> members{Member{a, MemberRole::member, Seq(), at},
                                    Member{b, MemberRole::member, Seq(), at}};
  return expect_ok(store().create_conversation(conversation, members));
}

std::vector<Message> StoreConformance::send(ConversationId conversation, UserId sender,
                                            const std::vector<std::string>& texts) {
  std::vector<NewMessage> batch;
  for (const auto& text : texts) {
    batch.push_back(NewMessage{.conversation_id = conversation,
                               .sender_id = sender,
                               .client_msg_id = "c" + std::to_string(++next_client_msg_id_),
                               .text = text,
                               .created_at = tick()});
  }
  return expect_ok(store().append_messages(batch));
}

Message StoreConformance::send_one(ConversationId conversation, UserId sender,
                                   std::string_view text) {
  auto sent = send(conversation, sender, {std::string(text)});
  return sent.empty() ? Message{} : sent.front();
}

Conversation StoreConformance::reload(ConversationId id) {
  auto found = expect_ok(store().find_conversation(id));
  EXPECT_TRUE(found.has_value()) << "conversation " << id.value();
  return found.value_or(Conversation{});
}

std::vector<std::int64_t> StoreConformance::seqs(const std::vector<Message>& messages) {
  std::vector<std::int64_t> out;
  for (const auto& message : messages) out.push_back(message.seq.value());
  return out;
}

std::vector<std::int64_t> StoreConformance::ids(const std::vector<User>& users) {
  std::vector<std::int64_t> out;
  for (const auto& user : users) out.push_back(user.id.value());
  return out;
}

// ---- users ----

TEST_P(StoreConformance, CreateUserAssignsIdsAndStoresEveryField) {
  const NewUser alice{.username = "alice",
                      .password_hash = "$argon2id$alice",
                      .profile = {.display_name = "Alice Liddell",
                                  .department = "Engineering",
                                  .title = "Developer",
                                  .email = "alice@example.com",
                                  .status_text = "here"},
                      .is_admin = true,
                      .created_at = 1234};
  const auto created = expect_ok(store().create_user(alice));
  EXPECT_TRUE(created.id.is_valid());
  EXPECT_EQ(fields(created),
            std::tuple(created.id.value(), std::string("alice"), std::string("Alice Liddell"),
                       std::string("Engineering"), std::string("Developer"),
                       std::string("alice@example.com"), std::string("here"), true, false,
                       TimestampMs{1234}, TimestampMs{0}));
  const auto bob = add_user("bob");
  EXPECT_GT(bob.id, created.id);

  const auto found = expect_ok(store().find_user(created.id));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(fields(*found), fields(created));

  const auto credentials = expect_ok(store().find_user_by_username("alice"));
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(fields(credentials->user), fields(created));
  EXPECT_EQ(credentials->password_hash, "$argon2id$alice");

  EXPECT_FALSE(expect_ok(store().find_user(UserId(bob.id.value() + 100))).has_value());
  EXPECT_FALSE(expect_ok(store().find_user_by_username("nobody")).has_value());
  EXPECT_EQ(expect_ok(store().count_users()), 2);
}

TEST_P(StoreConformance, TakenUsernameIsConflict) {
  add_user("alice");
  const auto again = store().create_user(new_user("alice", "x"));
  EXPECT_EQ(code_of(again), "conflict");
  EXPECT_EQ(expect_ok(store().count_users()), 1);
  EXPECT_EQ(expect_ok(store().find_user_by_username("alice"))->password_hash, "hash-of-alice");
}

TEST_P(StoreConformance, ProfileFlagsPasswordAndLastSeenAreUpdated) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const Profile profile{.display_name = "Alice L.",
                        .department = "Sales",
                        .title = "Lead",
                        .email = "a@example.com",
                        .status_text = "away"};
  expect_ok(store().update_profile(alice.id, profile));
  expect_ok(store().set_password_hash(alice.id, "new-hash"));
  expect_ok(store().set_disabled(alice.id, true));
  expect_ok(store().set_admin(alice.id, true));
  expect_ok(store().set_last_seen(alice.id, 4242));

  auto expected = alice;
  expected.profile = profile;
  expected.disabled = true;
  expected.is_admin = true;
  expected.last_seen = 4242;
  const auto found = expect_ok(store().find_user_by_username("alice"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(fields(found->user), fields(expected));
  EXPECT_EQ(found->password_hash, "new-hash");
  EXPECT_EQ(fields(*expect_ok(store().find_user(bob.id))), fields(bob));

  expect_ok(store().set_disabled(alice.id, false));
  expect_ok(store().set_admin(alice.id, false));
  const auto again = expect_ok(store().find_user(alice.id));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->disabled);
  EXPECT_FALSE(again->is_admin);
}

TEST_P(StoreConformance, GetUsersReturnsThoseThatExistInAscendingIdOrder) {
  const auto a = add_user("a");
  const auto b = add_user("b");
  const auto c = add_user("c");
  const std::vector<UserId> wanted{c.id, a.id, UserId(c.id.value() + 50), c.id};
  EXPECT_EQ(all_fields(expect_ok(store().get_users(wanted))), all_fields(std::vector<User>{a, c}));
  EXPECT_TRUE(expect_ok(store().get_users({})).empty());
  (void)b;
}

TEST_P(StoreConformance, SearchUsersMatchesTextCaseInsensitively) {
  const auto ann = add_user("ann", profile("Ann Smith", "Engineering"));
  const auto ben = add_user("ben", profile("Ben Jones", "", "Senior Engineer"));
  const auto cat = add_user("cat", profile("Cathy", "Sales"));
  const auto engel = add_user("engel", profile("Dora"));

  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("ENGINE")))), ids({ann, ben}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("eng")))), ids({ann, ben, engel}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("smith")))), ids({ann}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("CAT")))), ids({cat}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("")))), ids({ann, ben, cat, engel}));
  EXPECT_TRUE(expect_ok(store().search_users(user_query("nobody"))).empty());
}

TEST_P(StoreConformance, SearchUsersTreatsWildcardsAsText) {
  const auto under = add_user("a_b", profile("100% sure"));
  add_user("axb", profile("1000 sure"));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("_")))), ids({under}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("0%")))), ids({under}));
  EXPECT_TRUE(expect_ok(store().search_users(user_query("a%b"))).empty());
}

TEST_P(StoreConformance, SearchUsersFiltersByExactDepartmentIgnoringCase) {
  const auto a = add_user("a", profile("", "Sales"));
  add_user("b", profile("", "Presales"));
  add_user("c", profile("", "Sales Ops"));
  const auto d = add_user("d", profile("Sam", "sales"));
  add_user("e", profile("Sam", "Support"));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("", "SALES")))), ids({a, d}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("sam", "Sales")))), ids({d}));
}

TEST_P(StoreConformance, SearchUsersLeavesOutDisabledUnlessAsked) {
  const auto a = add_user("a");
  const auto b = add_user("b");
  const auto c = add_user("c");
  expect_ok(store().set_disabled(b.id, true));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("")))), ids({a, c}));
  EXPECT_EQ(ids(expect_ok(store().search_users(user_query("", "", true)))), ids({a, b, c}));
  EXPECT_EQ(expect_ok(store().count_users()), 3);
}

TEST_P(StoreConformance, SearchUsersPagesByIdWithLimit) {
  std::vector<User> users;
  for (const auto* name : {"u1", "u2", "u3", "u4", "u5"}) users.push_back(add_user(name));
  const auto page1 = expect_ok(store().search_users(user_query("", "", false, UserId(), 2)));
  EXPECT_EQ(ids(page1), ids({users[0], users[1]}));
  const auto page2 = expect_ok(store().search_users(user_query("", "", false, users[1].id, 2)));
  EXPECT_EQ(ids(page2), ids({users[2], users[3]}));
  const auto page3 = expect_ok(store().search_users(user_query("", "", false, users[3].id, 2)));
  EXPECT_EQ(ids(page3), ids({users[4]}));
  EXPECT_TRUE(expect_ok(store().search_users(user_query("", "", false, users[4].id, 2))).empty());
}

// ---- settings ----

TEST_P(StoreConformance, SettingsDefaultToEmptyObjectAndArePerUser) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  EXPECT_EQ(expect_ok(store().get_settings(alice.id)), "{}");
  expect_ok(store().put_settings(alice.id, R"({"theme":"dark"})"));
  EXPECT_EQ(expect_ok(store().get_settings(alice.id)), R"({"theme":"dark"})");
  EXPECT_EQ(expect_ok(store().get_settings(bob.id)), "{}");
  expect_ok(store().put_settings(alice.id, R"({"sound":false})"));
  EXPECT_EQ(expect_ok(store().get_settings(alice.id)), R"({"sound":false})");
}

// ---- login sessions ----

TEST_P(StoreConformance, AuthSessionsAreCreatedFoundAndDeleted) {
  const auto alice = add_user("alice");
  const auto session = auth_session(alice.id, "aa11", "laptop", 100, 200);
  const auto created = expect_ok(store().create_auth_session(session));
  EXPECT_TRUE(created.id.is_valid());
  auto expected = session;
  expected.id = created.id;
  EXPECT_EQ(fields(created), fields(expected));
  const auto other = expect_ok(store().create_auth_session(auth_session(alice.id, "bb22")));
  EXPECT_NE(other.id, created.id);

  const auto found = expect_ok(store().find_auth_session("aa11"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(fields(*found), fields(expected));
  EXPECT_FALSE(expect_ok(store().find_auth_session("cc33")).has_value());

  expect_ok(store().delete_auth_session(created.id));
  EXPECT_FALSE(expect_ok(store().find_auth_session("aa11")).has_value());
  EXPECT_TRUE(expect_ok(store().find_auth_session("bb22")).has_value());
}

TEST_P(StoreConformance, DeleteAuthSessionsOfUserKeepsTheOneAskedFor) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  auto create = [&](UserId user, const char* token) {
    return expect_ok(store().create_auth_session(auth_session(user, token))).id;
  };
  const auto s1 = create(alice.id, "t1");
  const auto s2 = create(alice.id, "t2");
  const auto s3 = create(alice.id, "t3");
  const auto s4 = create(bob.id, "t4");

  auto deleted = expect_ok(store().delete_auth_sessions_of(alice.id, s2));
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, (std::vector<AuthSessionId>{s1, s3}));
  EXPECT_FALSE(expect_ok(store().find_auth_session("t1")).has_value());
  EXPECT_TRUE(expect_ok(store().find_auth_session("t2")).has_value());
  EXPECT_FALSE(expect_ok(store().find_auth_session("t3")).has_value());
  EXPECT_TRUE(expect_ok(store().find_auth_session("t4")).has_value());

  EXPECT_EQ(expect_ok(store().delete_auth_sessions_of(alice.id, std::nullopt)),
            (std::vector<AuthSessionId>{s2}));
  EXPECT_TRUE(expect_ok(store().delete_auth_sessions_of(alice.id, std::nullopt)).empty());
  EXPECT_EQ(expect_ok(store().find_auth_session("t4"))->id, s4);
}

// ---- units of work ----

TEST_P(StoreConformance, CommitKeepsEveryWriteOfTheUnit) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  expect_ok(store().begin());
  const auto bob = add_user("bob");
  expect_ok(store().add_member(team.id, {bob.id, MemberRole::member, Seq(), tick()}));
  send(team.id, bob.id, {"one", "two"});
  expect_ok(store().put_settings(bob.id, R"({"a":1})"));
  expect_ok(store().commit());

  EXPECT_TRUE(expect_ok(store().find_user(bob.id)).has_value());
  EXPECT_EQ(expect_ok(store().count_members(team.id)), 2);
  EXPECT_EQ(reload(team.id).last_seq, Seq(2));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, {}))), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(expect_ok(store().get_settings(bob.id)), R"({"a":1})");

  expect_ok(store().begin());
  send(team.id, alice.id, {"three"});
  expect_ok(store().commit());
  EXPECT_EQ(reload(team.id).last_seq, Seq(3));
}

TEST_P(StoreConformance, RollbackDiscardsEveryWriteOfTheUnit) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto first = send_one(team.id, alice.id, "kept");
  const auto before = reload(team.id);

  expect_ok(store().begin());
  add_user("bob");
  send(team.id, alice.id, {"lost 1", "lost 2"});
  expect_ok(store().update_message(team.id, first.seq, std::string_view("edited"), tick()));
  auto renamed = before;
  renamed.name = "renamed";
  expect_ok(store().update_conversation(renamed));
  expect_ok(store().set_last_read(team.id, alice.id, Seq(1)));
  expect_ok(store().put_settings(alice.id, R"({"a":1})"));
  store().rollback();

  EXPECT_EQ(expect_ok(store().count_users()), 1);
  EXPECT_FALSE(expect_ok(store().find_user_by_username("bob")).has_value());
  EXPECT_EQ(fields(reload(team.id)), fields(before));
  EXPECT_EQ(all_fields(expect_ok(store().history(team.id, {}))),
            all_fields(std::vector<Message>{first}));
  EXPECT_EQ(expect_ok(store().find_member(team.id, alice.id))->last_read, Seq());
  EXPECT_EQ(expect_ok(store().get_settings(alice.id)), "{}");

  // The next message takes the seq the rolled-back ones had: no gap.
  EXPECT_EQ(send_one(team.id, alice.id, "next").seq, Seq(2));
}

TEST_P(StoreConformance, FailedCallInsideUnitLeavesTheOtherWritesToCommit) {
  add_user("alice");
  expect_ok(store().begin());
  add_user("bob");
  EXPECT_EQ(code_of(store().create_user(new_user("alice", "x"))), "conflict");
  add_user("carol");
  expect_ok(store().commit());
  EXPECT_EQ(expect_ok(store().count_users()), 3);
}

TEST_P(StoreConformance, RollbackOutsideUnitIsHarmless) {
  store().rollback();
  add_user("alice");
  store().rollback();
  EXPECT_EQ(expect_ok(store().count_users()), 1);
}

}  // namespace messenger::storage::conformance
