#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store_conformance.h"

namespace messenger::storage::conformance {
namespace {

using core::ConversationKind;
using Seqs = std::vector<std::int64_t>;

HistoryQuery before(std::int64_t anchor, int limit) {
  return {.direction = HistoryDirection::before, .anchor = Seq(anchor), .limit = limit};
}

HistoryQuery after(std::int64_t anchor, int limit) {
  return {.direction = HistoryDirection::after, .anchor = Seq(anchor), .limit = limit};
}

}  // namespace

TEST_P(StoreConformance, AppendGivesContiguousSeqAndRevPerConversation) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto one = add_conversation(ConversationKind::group, "one", alice.id, {bob.id});
  const auto two = add_direct(alice.id, bob.id);
  const auto t = tick();
  const std::vector<NewMessage> batch{{one.id, alice.id, "m1", "one-1", t + 1},
                                      {two.id, bob.id, "m2", "two-1", t + 2},
                                      {one.id, bob.id, "m3", "one-2", t + 3},
                                      {one.id, alice.id, "m4", "one-3", t + 4},
                                      {two.id, alice.id, "m5", "two-2", t + 5}};
  const auto stored = expect_ok(store().append_messages(batch));
  ASSERT_EQ(stored.size(), batch.size());
  const std::vector<std::pair<std::int64_t, std::int64_t>> seq_rev{
      {1, 1}, {1, 1}, {2, 2}, {3, 3}, {2, 2}};
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& in = batch[i];
    const Message expected{.conversation_id = in.conversation_id,
                           .seq = Seq(seq_rev[i].first),
                           .rev = Rev(seq_rev[i].second),
                           .sender_id = in.sender_id,
                           .client_msg_id = in.client_msg_id,
                           .text = in.text,
                           .created_at = in.created_at,
                           .edited_at = 0,
                           .deleted = false};
    EXPECT_EQ(fields(stored[i]), fields(expected)) << "message " << i;
    const auto found = expect_ok(store().find_message(in.conversation_id, expected.seq));
    ASSERT_TRUE(found.has_value()) << "message " << i;
    EXPECT_EQ(fields(*found), fields(expected)) << "message " << i;
  }

  const auto one_now = reload(one.id);
  EXPECT_EQ(one_now.last_seq, Seq(3));
  EXPECT_EQ(one_now.last_rev, Rev(3));
  EXPECT_EQ(one_now.last_activity, t + 4);
  const auto two_now = reload(two.id);
  EXPECT_EQ(two_now.last_seq, Seq(2));
  EXPECT_EQ(two_now.last_rev, Rev(2));
  EXPECT_EQ(two_now.last_activity, t + 5);

  const auto next = send_one(one.id, bob.id, "later");
  EXPECT_EQ(next.seq, Seq(4));
  EXPECT_EQ(next.rev, Rev(4));
  EXPECT_TRUE(expect_ok(store().append_messages({})).empty());
}

TEST_P(StoreConformance, LastActivityNeverMovesBackwards) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto late = tick() + 10'000;
  const std::vector<NewMessage> batch{{team.id, alice.id, "late", "from the future", late},
                                      {team.id, alice.id, "early", "skewed clock", late - 5000}};
  expect_ok(store().append_messages(batch));
  EXPECT_EQ(reload(team.id).last_activity, late);
}

TEST_P(StoreConformance, MessagesAreFoundByClientIdOfTheirSender) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id, {bob.id});
  const std::vector<NewMessage> batch{{team.id, alice.id, "same-id", "from alice", 1},
                                      {team.id, bob.id, "same-id", "from bob", 2}};
  const auto stored = expect_ok(store().append_messages(batch));
  ASSERT_EQ(stored.size(), 2U);

  const auto from_bob = expect_ok(store().find_message_by_client_id(bob.id, "same-id"));
  ASSERT_TRUE(from_bob.has_value());
  EXPECT_EQ(fields(*from_bob), fields(stored[1]));
  EXPECT_EQ(expect_ok(store().find_message_by_client_id(alice.id, "same-id"))->seq, Seq(1));
  EXPECT_FALSE(expect_ok(store().find_message_by_client_id(alice.id, "other")).has_value());
  EXPECT_FALSE(expect_ok(store().find_message(team.id, Seq(3))).has_value());
}

TEST_P(StoreConformance, SameClientIdTwiceFromOneSenderIsConflict) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const NewMessage message{team.id, alice.id, "retry-me", "hello", tick()};
  expect_ok(store().append_messages({&message, 1}));
  EXPECT_EQ(code_of(store().append_messages({&message, 1})), "conflict");
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, {}))), Seqs{1});
}

// The service sends first and looks the client id up only on this conflict, so the refused
// duplicate must take no seq or rev and must leave the rest of the unit of work to commit.
TEST_P(StoreConformance, DuplicateClientIdInsideUnitTakesNoSeqAndKeepsTheUnit) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto first = send_one(team.id, alice.id, "first");
  const NewMessage retry{team.id, alice.id, first.client_msg_id, "first again", tick()};
  reload(team.id);  // a caching store now holds the row and takes its counter fast path
  expect_ok(store().begin());
  const auto second = send_one(team.id, alice.id, "second");
  EXPECT_EQ(code_of(store().append_messages({&retry, 1})), "conflict");
  const auto third = send_one(team.id, alice.id, "third");
  expect_ok(store().commit());

  EXPECT_EQ(second.seq, Seq(2));
  EXPECT_EQ(third.seq, Seq(3));
  EXPECT_EQ(third.rev, Rev(3));
  EXPECT_EQ(reload(team.id).last_seq, Seq(3));
  EXPECT_EQ(reload(team.id).last_rev, Rev(3));
  const auto original = expect_ok(store().find_message_by_client_id(alice.id, first.client_msg_id));
  ASSERT_TRUE(original.has_value());
  EXPECT_EQ(fields(*original), fields(first));
}

// The conversation cache passes the counters it knows, so the store need not read them; the
// result must be that of an ordinary append, a duplicate included.
TEST_P(StoreConformance, AppendWithKnownCountersIsAnOrdinaryAppend) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto first = send_one(team.id, alice.id, "first");
  const NewMessage message{team.id, alice.id, "known-counters", "second", tick() + 5};
  expect_ok(store().begin());
  const auto stored = expect_ok(store().append_message_after(message, first.seq, first.rev));
  EXPECT_EQ(code_of(store().append_message_after(message, stored.seq, stored.rev)), "conflict");
  expect_ok(store().commit());

  EXPECT_EQ(stored.seq, Seq(2));
  EXPECT_EQ(stored.rev, Rev(2));
  EXPECT_EQ(stored.client_msg_id, message.client_msg_id);
  EXPECT_EQ(stored.text, message.text);
  const auto now = reload(team.id);
  EXPECT_EQ(now.last_seq, Seq(2));
  EXPECT_EQ(now.last_rev, Rev(2));
  EXPECT_EQ(now.last_activity, message.created_at);
  const auto found = expect_ok(store().find_message(team.id, Seq(2)));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(fields(*found), fields(stored));
  EXPECT_EQ(send_one(team.id, alice.id, "third").seq, Seq(3));
}

// Numbers that are not the stored ones (a cache behind another writer, or ahead after a unit the
// database rolled back on its own) must still give the next seq and rev: no gap, no refusal.
TEST_P(StoreConformance, AppendWithWrongCountersStillTakesTheNextNumbers) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto first = send_one(team.id, alice.id, "first");
  const NewMessage ahead{team.id, alice.id, "counters-ahead", "second", tick()};
  const NewMessage behind{team.id, alice.id, "counters-behind", "third", tick()};
  expect_ok(store().begin());
  const auto second =
      expect_ok(store().append_message_after(ahead, Seq(first.seq.value() + 5), Rev(9)));
  const auto third = expect_ok(store().append_message_after(behind, Seq(0), Rev(0)));
  expect_ok(store().commit());

  EXPECT_EQ(second.seq, Seq(2));
  EXPECT_EQ(second.rev, Rev(2));
  EXPECT_EQ(third.seq, Seq(3));
  EXPECT_EQ(third.rev, Rev(3));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, {}))), (Seqs{1, 2, 3}));
  EXPECT_EQ(reload(team.id).last_seq, Seq(3));
  EXPECT_EQ(reload(team.id).last_rev, Rev(3));
  // A duplicate client id is still refused with numbers that are wrong.
  EXPECT_EQ(code_of(store().append_message_after(behind, Seq(1), Rev(1))), "conflict");
}

// A caching store moves its counters with each append; a rolled-back unit must not leave them
// ahead of the stored ones.
TEST_P(StoreConformance, AppendAfterRolledBackUnitTakesTheNextNumber) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  send_one(team.id, alice.id, "first");
  reload(team.id);
  expect_ok(store().begin());
  send_one(team.id, alice.id, "rolled back");
  store().rollback();
  const auto next = send_one(team.id, alice.id, "second");
  EXPECT_EQ(next.seq, Seq(2));
  EXPECT_EQ(next.rev, Rev(2));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, {}))), (Seqs{1, 2}));
}

TEST_P(StoreConformance, AppendToMissingConversationFails) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const NewMessage message{ConversationId(team.id.value() + 100), alice.id, "x", "hello", tick()};
  EXPECT_NE(code_of(store().append_messages({&message, 1})), "ok");
}

TEST_P(StoreConformance, EditReplacesTextAndTakesTheNextRev) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto sent = send(team.id, alice.id, {"one", "two", "three"});
  ASSERT_EQ(sent.size(), 3U);
  const auto edited =
      expect_ok(store().update_message(team.id, Seq(2), std::string_view("TWO"), 99'000));

  auto expected = sent[1];
  expected.text = "TWO";
  expected.edited_at = 99'000;
  expected.rev = Rev(4);
  EXPECT_EQ(fields(edited), fields(expected));
  EXPECT_EQ(fields(*expect_ok(store().find_message(team.id, Seq(2)))), fields(expected));
  const auto now = reload(team.id);
  EXPECT_EQ(now.last_rev, Rev(4));
  EXPECT_EQ(now.last_seq, Seq(3));
  EXPECT_EQ(now.last_activity, sent[2].created_at);

  EXPECT_EQ(send_one(team.id, alice.id, "four").rev, Rev(5));
}

TEST_P(StoreConformance, DeleteLeavesATombstoneWithTheNextRev) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto sent = send(team.id, alice.id, {"one", "two"});
  ASSERT_EQ(sent.size(), 2U);
  expect_ok(store().update_message(team.id, Seq(1), std::string_view("ONE"), 50'000));
  const auto deleted = expect_ok(store().update_message(team.id, Seq(1), std::nullopt, 60'000));

  auto expected = sent[0];
  expected.text = "";
  expected.deleted = true;
  expected.edited_at = 50'000;
  expected.rev = Rev(4);
  EXPECT_EQ(fields(deleted), fields(expected));
  EXPECT_EQ(reload(team.id).last_rev, Rev(4));
  EXPECT_EQ(all_fields(expect_ok(store().history(team.id, {}))),
            all_fields(std::vector<Message>{expected, sent[1]}));
}

TEST_P(StoreConformance, UpdatingAMissingMessageFailsAndChangesNothing) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  send(team.id, alice.id, {"one"});
  const auto before_update = reload(team.id);
  EXPECT_NE(code_of(store().update_message(team.id, Seq(2), std::string_view("x"), 1)), "ok");
  EXPECT_NE(code_of(store().update_message(team.id, Seq(2), std::nullopt, 1)), "ok");
  EXPECT_EQ(fields(reload(team.id)), fields(before_update));
}

TEST_P(StoreConformance, HistoryBeforeGivesThePageNearestTheAnchorInAscendingOrder) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto other = add_conversation(ConversationKind::group, "other", alice.id);
  for (int i = 1; i <= 10; ++i) {
    send_one(team.id, alice.id, "team " + std::to_string(i));
    send_one(other.id, alice.id, "other " + std::to_string(i));
  }
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, before(0, 3)))), (Seqs{8, 9, 10}));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, before(8, 3)))), (Seqs{5, 6, 7}));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, before(3, 5)))), (Seqs{1, 2}));
  EXPECT_TRUE(expect_ok(store().history(team.id, before(1, 5))).empty());
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, before(0, 50)))),
            (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  for (const auto& message : expect_ok(store().history(team.id, before(0, 50)))) {
    EXPECT_EQ(message.conversation_id, team.id);
    EXPECT_EQ(message.text, "team " + std::to_string(message.seq.value()));
  }

  Seqs paged;
  std::int64_t anchor = 0;
  for (;;) {
    const auto page = expect_ok(store().history(team.id, before(anchor, 4)));
    if (page.empty()) break;
    const auto page_seqs = seqs(page);
    paged.insert(paged.begin(), page_seqs.begin(), page_seqs.end());
    anchor = page.front().seq.value();
  }
  EXPECT_EQ(paged, (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_P(StoreConformance, HistoryAfterGivesTheFollowingPageInAscendingOrder) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto other = add_conversation(ConversationKind::group, "other", alice.id);
  for (int i = 1; i <= 10; ++i) {
    send_one(other.id, alice.id, "other");
    send_one(team.id, alice.id, "team");
  }
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, after(0, 4)))), (Seqs{1, 2, 3, 4}));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, after(4, 4)))), (Seqs{5, 6, 7, 8}));
  EXPECT_EQ(seqs(expect_ok(store().history(team.id, after(8, 4)))), (Seqs{9, 10}));
  EXPECT_TRUE(expect_ok(store().history(team.id, after(10, 4))).empty());

  const auto empty = add_conversation(ConversationKind::group, "empty", alice.id);
  EXPECT_TRUE(expect_ok(store().history(empty.id, after(0, 4))).empty());
  EXPECT_TRUE(expect_ok(store().history(empty.id, before(0, 4))).empty());
}

TEST_P(StoreConformance, ChangesSinceAreInAscendingRevOrder) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto other = add_conversation(ConversationKind::group, "other", alice.id);
  send(team.id, alice.id, {"one", "two", "three"});  // revs 1, 2, 3
  send(other.id, alice.id, {"elsewhere"});
  expect_ok(store().update_message(team.id, Seq(1), std::string_view("ONE"), tick()));  // rev 4
  expect_ok(store().update_message(team.id, Seq(2), std::nullopt, tick()));             // rev 5

  auto changes = expect_ok(store().changes_since(team.id, Rev(0), 50));
  EXPECT_EQ(seqs(changes), (Seqs{3, 1, 2}));
  std::vector<std::int64_t> revs;
  for (const auto& message : changes) revs.push_back(message.rev.value());
  EXPECT_EQ(revs, (Seqs{3, 4, 5}));
  ASSERT_EQ(changes.size(), 3U);
  EXPECT_EQ(changes[1].text, "ONE");
  EXPECT_TRUE(changes[2].deleted);

  EXPECT_EQ(seqs(expect_ok(store().changes_since(team.id, Rev(3), 50))), (Seqs{1, 2}));
  EXPECT_EQ(seqs(expect_ok(store().changes_since(team.id, Rev(2), 2))), (Seqs{3, 1}));
  EXPECT_TRUE(expect_ok(store().changes_since(team.id, Rev(5), 50)).empty());
}

// Edits and deletes between and among appends, in runs and alone, with every sync point and
// page size checked against a model: the SQLite store finds unchanged messages by seq from a
// bound, and a wrong bound would drop or repeat messages only for some sync points.
TEST_P(StoreConformance, ChangesSinceMatchAModelAtEverySyncPoint) {
  const auto alice = add_user("alice");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id);
  const auto other = add_conversation(ConversationKind::group, "other", alice.id);
  std::map<std::int64_t, std::int64_t> rev_of_seq;  // the model: each message's current rev
  std::int64_t last_rev = 0;
  std::minstd_rand random(20261127);  // fixed: a failure must repeat
  auto check_every_sync_point = [&](int step) {
    std::vector<std::pair<std::int64_t, std::int64_t>> by_rev;  // (rev, seq)
    for (const auto& [seq, rev] : rev_of_seq) by_rev.emplace_back(rev, seq);
    std::sort(by_rev.begin(), by_rev.end());
    for (std::int64_t after = 0; after <= last_rev; ++after) {
      for (const int limit : {2, 1000}) {
        Seqs expected;
        for (const auto& [rev, seq] : by_rev) {
          if (rev > after && static_cast<int>(expected.size()) < limit) expected.push_back(seq);
        }
        const auto changes = expect_ok(store().changes_since(team.id, Rev(after), limit));
        ASSERT_EQ(seqs(changes), expected)
            << "after rev " << after << ", limit " << limit << ", step " << step;
        for (const auto& message : changes) {
          ASSERT_EQ(message.rev.value(), rev_of_seq.at(message.seq.value()));
        }
      }
    }
  };
  for (int step = 1; step <= 240; ++step) {
    const auto roll = random() % 10;
    if (rev_of_seq.empty() || roll < 5) {
      const auto sent = send_one(team.id, alice.id, "m" + std::to_string(step));
      rev_of_seq[sent.seq.value()] = sent.rev.value();
      last_rev = sent.rev.value();
      if (roll == 0) send_one(other.id, alice.id, "elsewhere");
    } else {
      const auto seq = static_cast<std::int64_t>(random() % rev_of_seq.size()) + 1;
      const std::optional<std::string_view> text =
          roll < 8 ? std::optional<std::string_view>("edited") : std::nullopt;
      const auto changed = expect_ok(store().update_message(team.id, Seq(seq), text, tick()));
      rev_of_seq[seq] = changed.rev.value();
      last_rev = changed.rev.value();
    }
    if (step % 120 == 0) check_every_sync_point(step);
  }
}

TEST_P(StoreConformance, UnreadCountsOthersLiveMessagesAfterTheMarker) {
  const auto alice = add_user("alice");
  const auto bob = add_user("bob");
  const auto team = add_conversation(ConversationKind::group, "team", alice.id, {bob.id});
  const auto other = add_conversation(ConversationKind::group, "other", bob.id, {alice.id});
  send(team.id, alice.id, {"a1", "a2"});      // seqs 1, 2
  send(team.id, bob.id, {"b1", "b2", "b3"});  // seqs 3, 4, 5
  send(other.id, bob.id, {"elsewhere"});
  expect_ok(store().update_message(team.id, Seq(4), std::nullopt, tick()));

  EXPECT_EQ(expect_ok(store().count_unread(team.id, alice.id, Seq(0))), 2);
  EXPECT_EQ(expect_ok(store().count_unread(team.id, alice.id, Seq(3))), 1);
  EXPECT_EQ(expect_ok(store().count_unread(team.id, alice.id, Seq(5))), 0);
  EXPECT_EQ(expect_ok(store().count_unread(team.id, bob.id, Seq(0))), 2);
  EXPECT_EQ(expect_ok(store().count_unread(team.id, bob.id, Seq(1))), 1);
  const auto carol = add_user("carol");
  EXPECT_EQ(expect_ok(store().count_unread(team.id, carol.id, Seq(0))), 4);
}

}  // namespace messenger::storage::conformance
