#include <algorithm>

#include "store_conformance.h"

namespace messenger::storage::conformance {
namespace {

using core::ConversationKind;
using core::MemberRole;

std::vector<std::int64_t> conversation_ids(const std::vector<Conversation>& conversations) {
  std::vector<std::int64_t> out;
  for (const auto& conversation : conversations) out.push_back(conversation.id.value());
  return out;
}

std::vector<std::string> names(const std::vector<Conversation>& conversations) {
  std::vector<std::string> out;
  for (const auto& conversation : conversations) out.push_back(conversation.name);
  return out;
}

}  // namespace

TEST_P(StoreConformance, CreateConversationStoresFieldsAndMembers) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto carol = add_user("carol");
  const auto dave = add_user("dave");
  Conversation input;
  input.kind = ConversationKind::channel;
  input.name = "general";
  input.topic = "all things";
  input.created_by = bob.id;
  input.created_at = 5000;
  input.last_activity = 5000;
  const std::vector<Member> members{{carol.id, MemberRole::member, Seq(), 5001},
                                    {bob.id, MemberRole::owner, Seq(), 5000},
                                    {alice.id, MemberRole::member, Seq(), 5002}};
  const auto created = expect_ok(store().create_conversation(input, members));
  EXPECT_TRUE(created.id.is_valid());
  auto expected = input;
  expected.id = created.id;
  EXPECT_EQ(fields(created), fields(expected));
  EXPECT_EQ(created.last_seq, Seq());
  EXPECT_EQ(created.last_rev, Rev());
  EXPECT_EQ(fields(reload(created.id)), fields(expected));

  EXPECT_EQ(all_fields(expect_ok(store().members(created.id))),
            all_fields(std::vector<Member>{members[2], members[1], members[0]}));
  EXPECT_EQ(expect_ok(store().count_members(created.id)), 3);
  const auto bob_member = expect_ok(store().find_member(created.id, bob.id));
  ASSERT_TRUE(bob_member.has_value());
  EXPECT_EQ(fields(*bob_member), fields(members[1]));
  EXPECT_FALSE(expect_ok(store().find_member(created.id, dave.id)).has_value());

  const auto second = add_conversation(ConversationKind::group, "second", dave.id);
  EXPECT_NE(second.id, created.id);
  EXPECT_FALSE(
      expect_ok(store().find_conversation(ConversationId(second.id.value() + created.id.value())))
          .has_value());
}

TEST_P(StoreConformance, FindDirectWorksInEitherOrder) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto carol = add_user("carol");
  add_conversation(ConversationKind::group, "pair", alice.id, {carol.id});
  const auto direct = add_direct(bob.id, alice.id);
  EXPECT_EQ(direct.kind, ConversationKind::direct);
  EXPECT_EQ(expect_ok(store().find_direct(alice.id, bob.id)), std::optional(direct.id));
  EXPECT_EQ(expect_ok(store().find_direct(bob.id, alice.id)), std::optional(direct.id));
  EXPECT_FALSE(expect_ok(store().find_direct(alice.id, carol.id)).has_value());
  EXPECT_FALSE(expect_ok(store().find_direct(bob.id, carol.id)).has_value());
}

TEST_P(StoreConformance, SecondDirectConversationOfTheSamePairIsConflict) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto first = add_direct(alice.id, bob.id);
  Conversation again;
  again.kind = ConversationKind::direct;
  again.created_by = bob.id;
  again.created_at = tick();
  const std::vector<Member> members{{bob.id, MemberRole::member, Seq(), again.created_at},
                                    {alice.id, MemberRole::member, Seq(), again.created_at}};
  EXPECT_EQ(code_of(store().create_conversation(again, members)), "conflict");
  EXPECT_EQ(expect_ok(store().find_direct(bob.id, alice.id)), std::optional(first.id));
  EXPECT_EQ(expect_ok(store().conversations_of(alice.id)).size(), 1U);
}

TEST_P(StoreConformance, UpdateConversationStoresOnlyNameTopicAndArchived) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  send(team.id, alice.id, {"hello"});
  const auto before = reload(team.id);

  auto changed = before;
  changed.name = "new name";
  changed.topic = "new topic";
  changed.archived = true;
  changed.kind = ConversationKind::channel;
  changed.created_at = 1;
  changed.last_seq = Seq(99);
  changed.last_rev = Rev(99);
  changed.last_activity = 1;
  expect_ok(store().update_conversation(changed));

  auto expected = before;
  expected.name = "new name";
  expected.topic = "new topic";
  expected.archived = true;
  EXPECT_EQ(fields(reload(team.id)), fields(expected));
}

TEST_P(StoreConformance, MembersAreAddedRemovedAndKeepTheirReadMarker) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto carol = add_user("carol");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id, {bob.id});
  const Member joined{carol.id, MemberRole::member, Seq(), tick()};
  expect_ok(store().add_member(team.id, joined));
  EXPECT_EQ(expect_ok(store().count_members(team.id)), 3);
  EXPECT_EQ(fields(*expect_ok(store().find_member(team.id, carol.id))), fields(joined));

  expect_ok(store().set_last_read(team.id, carol.id, Seq(7)));
  expect_ok(store().set_last_read(team.id, carol.id, Seq(9)));
  EXPECT_EQ(expect_ok(store().find_member(team.id, carol.id))->last_read, Seq(9));
  EXPECT_EQ(expect_ok(store().find_member(team.id, bob.id))->last_read, Seq());

  expect_ok(store().remove_member(team.id, bob.id));
  EXPECT_FALSE(expect_ok(store().find_member(team.id, bob.id)).has_value());
  EXPECT_EQ(expect_ok(store().count_members(team.id)), 2);
  std::vector<std::int64_t> remaining;
  for (const auto& member : expect_ok(store().members(team.id))) {
    remaining.push_back(member.user_id.value());
  }
  EXPECT_EQ(remaining, (std::vector<std::int64_t>{alice.id.value(), carol.id.value()}));
  EXPECT_TRUE(expect_ok(store().conversations_of(bob.id)).empty());
}

TEST_P(StoreConformance, ConversationsOfAreMostRecentlyActiveFirst) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto first = add_conversation(ConversationKind::group, "first", alice.id);
  const auto second = add_conversation(ConversationKind::channel, "second", bob.id, {alice.id});
  const auto direct = add_direct(alice.id, bob.id);
  const auto not_mine = add_conversation(ConversationKind::group, "not mine", bob.id);
  EXPECT_EQ(conversation_ids(expect_ok(store().conversations_of(alice.id))),
            (std::vector{direct.id.value(), second.id.value(), first.id.value()}));

  const auto sent = send_one(first.id, alice.id, "bump");
  const auto listed = expect_ok(store().conversations_of(alice.id));
  EXPECT_EQ(conversation_ids(listed),
            (std::vector{first.id.value(), direct.id.value(), second.id.value()}));
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed.front().last_activity, sent.created_at);
  EXPECT_EQ(listed.front().last_seq, Seq(1));
  EXPECT_EQ(conversation_ids(expect_ok(store().conversations_of(bob.id))),
            (std::vector{not_mine.id.value(), direct.id.value(), second.id.value()}));
}

TEST_P(StoreConformance, ConversationsOfBreakActivityTiesByNewestId) {
  const auto alice = add_user("alice");
  std::vector<std::int64_t> expected;
  for (const auto* name : {"a", "b", "c"}) {
    Conversation conversation;
    conversation.kind = ConversationKind::group;
    conversation.name = name;
    conversation.created_by = alice.id;
    conversation.created_at = 777;
    const std::vector<Member> members{{alice.id, MemberRole::owner, Seq(), 777}};
    expected.insert(expected.begin(),
                    expect_ok(store().create_conversation(conversation, members)).id.value());
  }
  EXPECT_EQ(conversation_ids(expect_ok(store().conversations_of(alice.id))), expected);
}

TEST_P(StoreConformance, PublicChannelsMatchNameIgnoringCaseInNameOrder) {
  const auto alice = add_user("alice");
  for (const auto* name : {"general", "random", "gen-z", "dev_ops", "devxops", "Genesis"}) {
    add_conversation(ConversationKind::channel, name, alice.id);
  }
  const auto old = add_conversation(ConversationKind::channel, "general-old", alice.id);
  auto archived = old;
  archived.archived = true;
  expect_ok(store().update_conversation(archived));
  add_conversation(ConversationKind::group, "general-private", alice.id);

  EXPECT_EQ(names(expect_ok(store().public_channels("gen", 10))),
            (std::vector<std::string>{"Genesis", "gen-z", "general"}));
  EXPECT_EQ(names(expect_ok(store().public_channels("GEN", 2))),
            (std::vector<std::string>{"Genesis", "gen-z"}));
  EXPECT_EQ(
      names(expect_ok(store().public_channels("", 10))),
      (std::vector<std::string>{"Genesis", "dev_ops", "devxops", "gen-z", "general", "random"}));
  EXPECT_EQ(names(expect_ok(store().public_channels("v_o", 10))),
            (std::vector<std::string>{"dev_ops"}));
  EXPECT_TRUE(expect_ok(store().public_channels("%", 10)).empty());
  EXPECT_TRUE(expect_ok(store().public_channels("nothing", 10)).empty());
}

TEST_P(StoreConformance, ContactsAreTheDistinctOtherMembersOfMyConversations) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto carol = add_user("carol");
  const auto dave = add_user("dave");
  const auto erin = add_user("erin");
  add_direct(alice.id, bob.id);
  add_conversation(ConversationKind::group, "team", carol.id, {alice.id, bob.id});
  add_conversation(ConversationKind::group, "others", dave.id, {erin.id});
  add_conversation(ConversationKind::group, "alone", erin.id);

  auto contacts = expect_ok(store().contacts_of(alice.id));
  std::sort(contacts.begin(), contacts.end());
  EXPECT_EQ(contacts, (std::vector<UserId>{bob.id, carol.id}));
  contacts = expect_ok(store().contacts_of(erin.id));
  EXPECT_EQ(contacts, (std::vector<UserId>{dave.id}));
  const auto frank = add_user("frank");
  EXPECT_TRUE(expect_ok(store().contacts_of(frank.id)).empty());
}

TEST_P(StoreConformance, ListConversationsPagesEveryKindByAscendingId) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto direct = add_direct(alice.id, bob.id);
  const auto team = add_conversation(ConversationKind::group, "team", alice.id, {bob.id});
  auto chan = add_conversation(ConversationKind::channel, "news", bob.id);
  chan.archived = true;
  expect_ok(store().update_conversation(chan));
  send_one(team.id, alice.id, "hi");

  EXPECT_EQ(
      all_fields(expect_ok(store().list_conversations(ConversationId(), 10))),
      all_fields(std::vector<Conversation>{reload(direct.id), reload(team.id), reload(chan.id)}));
  const auto first = expect_ok(store().list_conversations(ConversationId(), 2));
  ASSERT_EQ(first.size(), 2u);
  const auto rest = expect_ok(store().list_conversations(first.back().id, 2));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest.front().id, chan.id);
  EXPECT_TRUE(expect_ok(store().list_conversations(chan.id, 2)).empty());
  EXPECT_TRUE(expect_ok(store().list_conversations(ConversationId(), 0)).empty());
}

}  // namespace messenger::storage::conformance
