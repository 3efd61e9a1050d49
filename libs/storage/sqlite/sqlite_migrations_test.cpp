// Files written by earlier schema versions, opened by this one: what changes_since finds after the
// migrations must be what the file's history says, and the marks the running store adds
// afterwards must agree with those the migrations made.

#include "sqlite_migrations.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "messenger/storage/sqlite_store.h"
#include "sqlite_test_support.h"
#include "store_conformance.h"

namespace messenger::storage {
namespace {

using conformance::expect_ok;
using sqlite::testing::exec;
using sqlite::testing::open_raw;
using sqlite::testing::query_int;
using sqlite::testing::query_text;
using sqlite::testing::TempDir;

/// One conversation's messages as the test wrote them: each seq's rev, and the counters.
struct History {
  explicit History(std::int64_t id) : conversation(id) {}
  std::int64_t conversation;
  std::map<std::int64_t, std::int64_t> rev_of_seq;
  std::int64_t last_seq = 0;
  std::int64_t last_rev = 0;
};

// As version 1 wrote them: an append takes the next seq and rev, an edit or a delete the next rev.

void append_v1(sqlite3* db, History& history) {
  ++history.last_seq;
  ++history.last_rev;
  exec(db, fmt::format("INSERT INTO messages (conversation_id, seq, rev, sender_id, client_msg_id,"
                       " text, created_at) VALUES ({0}, {1}, {2}, 1, 'c{0}-{1}', 'text', {1})",
                       history.conversation, history.last_seq, history.last_rev));
  history.rev_of_seq[history.last_seq] = history.last_rev;
}

/// `edited_at` 0 is an edit whose mark in the row is lost, so that only its rev tells.
void edit_v1(sqlite3* db, History& history, std::int64_t seq, std::int64_t edited_at) {
  ++history.last_rev;
  exec(db, fmt::format("UPDATE messages SET rev = {}, edited_at = {}, text = 'edited'"
                       " WHERE conversation_id = {} AND seq = {}",
                       history.last_rev, edited_at, history.conversation, seq));
  history.rev_of_seq[seq] = history.last_rev;
}

void delete_v1(sqlite3* db, History& history, std::int64_t seq) {
  ++history.last_rev;
  exec(db, fmt::format("UPDATE messages SET rev = {}, deleted = 1, text = ''"
                       " WHERE conversation_id = {} AND seq = {}",
                       history.last_rev, history.conversation, seq));
  history.rev_of_seq[seq] = history.last_rev;
}

/// Half appends, the rest edits and deletes of random messages.
void random_v1(sqlite3* db, History& history, unsigned seed, int steps) {
  std::minstd_rand random(seed);  // fixed: a failure must repeat
  for (int step = 1; step <= steps; ++step) {
    const auto roll = random() % 10;
    if (history.last_seq == 0 || roll < 5) {
      append_v1(db, history);
      continue;
    }
    const auto seq = static_cast<std::int64_t>(random() % history.last_seq) + 1;
    if (roll < 8) {
      edit_v1(db, history, seq, step);
    } else {
      delete_v1(db, history, seq);
    }
  }
}

void save_counters_v1(sqlite3* db, const History& history) {
  exec(db, fmt::format("UPDATE conversations SET last_seq = {}, last_rev = {} WHERE id = {}",
                       history.last_seq, history.last_rev, history.conversation));
}

void append_live(Store& store, History& history) {
  const auto sent = expect_ok(store.append_messages(std::vector<NewMessage>{
      {ConversationId(history.conversation), UserId(1),
       fmt::format("live{}-{}", history.conversation, history.last_seq + 1), "new", 5000}}));
  ASSERT_EQ(sent.size(), 1U);
  history.last_seq = sent[0].seq.value();
  history.rev_of_seq[history.last_seq] = history.last_rev = sent[0].rev.value();
}

void edit_live(Store& store, History& history, std::int64_t seq) {
  const auto edited = expect_ok(store.update_message(ConversationId(history.conversation), Seq(seq),
                                                     std::string_view("again"), 6000));
  history.rev_of_seq[seq] = history.last_rev = edited.rev.value();
}

/// The rev the store now has for `seq` of the history's conversation (-1, and a test failure,
/// when it has no such message).
std::int64_t stored_rev(Store& store, const History& history, std::int64_t seq) {
  const auto found = expect_ok(store.find_message(ConversationId(history.conversation), Seq(seq)));
  if (!found.has_value()) {
    ADD_FAILURE() << "no message " << seq << " in conversation " << history.conversation;
    return -1;
  }
  return found->rev.value();
}

/// The conversation's last_rev as the store has it (-1, and a test failure, without one).
std::int64_t stored_last_rev(Store& store, const History& history) {
  const auto found = expect_ok(store.find_conversation(ConversationId(history.conversation)));
  if (!found.has_value()) {
    ADD_FAILURE() << "no conversation " << history.conversation;
    return -1;
  }
  return found->last_rev.value();
}

/// The conversation's changes after each rev up to its last, at two page sizes, against the
/// history.
void expect_changes_match(Store& store, const History& history) {
  std::vector<std::pair<std::int64_t, std::int64_t>> by_rev;  // (rev, seq)
  for (const auto& [seq, rev] : history.rev_of_seq) by_rev.emplace_back(rev, seq);
  std::sort(by_rev.begin(), by_rev.end());
  for (std::int64_t after = 0; after <= history.last_rev; ++after) {
    for (const int limit : {1, 1000}) {
      std::vector<std::int64_t> expected;
      for (const auto& [rev, seq] : by_rev) {
        if (rev > after && static_cast<int>(expected.size()) < limit) expected.push_back(seq);
      }
      std::vector<std::int64_t> got;
      const auto changes =
          expect_ok(store.changes_since(ConversationId(history.conversation), Rev(after), limit));
      for (const auto& message : changes) got.push_back(message.seq.value());
      ASSERT_EQ(got, expected) << "conversation " << history.conversation << ", after rev " << after
                               << ", limit " << limit;
    }
  }
}

class SqliteMigrationTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::filesystem::path db_path() const { return dir_.path() / "store.db"; }

  /// A new file at schema version 1 with user 1 and groups 1 to `conversations`, as version 1
  /// made them.
  ::messenger::sqlite::DatabaseHandle create_version_one(int conversations) {
    auto db = open_raw(db_path(), /*create=*/true);
    exec(db.get(), "PRAGMA journal_mode = WAL");
    apply_raw(db.get(), 1);
    exec(db.get(),
         "INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'x', 0)");
    for (int id = 1; id <= conversations; ++id) {
      exec(db.get(),
           fmt::format("INSERT INTO conversations (id, kind, name, created_by, created_at)"
                       " VALUES ({0}, 'group', 'team{0}', 1, 0)",
                       id));
    }
    return db;
  }

  /// Migration `version`'s SQL, recorded as an older server recorded it.
  static void apply_raw(sqlite3* db, int version) {
    const auto& migration = sqlite::migrations()[static_cast<std::size_t>(version - 1)];
    ASSERT_EQ(migration.version, version);
    exec(db, std::string(migration.sql));
    exec(db,
         fmt::format("INSERT INTO schema_version VALUES ({}, '{}', 0)", version, migration.name));
    exec(db, fmt::format("PRAGMA user_version = {}", version));
  }

  std::unique_ptr<Store> open() {
    auto store = open_sqlite_store({.path = db_path().string()});
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return nullptr;
    auto raw = open_raw(db_path());
    EXPECT_EQ(query_int(raw.get(), "PRAGMA user_version"), sqlite::latest_schema_version());
    return std::move(store).value();
  }

  TempDir dir_;
};

TEST_F(SqliteMigrationTest, AVersionOneFileKeepsEveryChangeInEveryConversation) {
  History edited_last(1);
  History appended_last(2);
  History never_edited(3);
  {
    auto db = create_version_one(3);
    random_v1(db.get(), edited_last, 1127, 150);
    // An edit that left no trace but its rev, with a message after it; then a run of edits with
    // nothing appended after it, which the marks must still account for.
    edit_v1(db.get(), edited_last, 2, 0);
    append_v1(db.get(), edited_last);
    edit_v1(db.get(), edited_last, 4, 9001);
    delete_v1(db.get(), edited_last, 5);
    edit_v1(db.get(), edited_last, edited_last.last_seq, 9002);
    random_v1(db.get(), appended_last, 2, 80);
    append_v1(db.get(), appended_last);
    for (int i = 0; i < 20; ++i) append_v1(db.get(), never_edited);
    for (const auto* history : {&edited_last, &appended_last, &never_edited}) {
      save_counters_v1(db.get(), *history);
    }
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  // Version 2 did not flag the edit that left edited_at at 0, and a client paging through it
  // could have stepped past it and past the messages after it with lower revs: those come again
  // with the conversation's next revs, in seq order. The other conversations keep every rev.
  const std::int64_t last_rev_before = edited_last.last_rev;
  std::vector<std::int64_t> moved;
  for (auto& [seq, rev] : edited_last.rev_of_seq) {
    const auto now = stored_rev(*store, edited_last, seq);
    if (now == rev) continue;
    EXPECT_EQ(now, last_rev_before + 1 + static_cast<std::int64_t>(moved.size())) << "seq " << seq;
    moved.push_back(seq);
    rev = now;
  }
  ASSERT_FALSE(moved.empty());
  EXPECT_EQ(moved.front(), 2);
  edited_last.last_rev += static_cast<std::int64_t>(moved.size());
  EXPECT_EQ(stored_last_rev(*store, edited_last), edited_last.last_rev);
  for (const auto* history : {&edited_last, &appended_last, &never_edited}) {
    expect_changes_match(*store, *history);
  }

  // What the running store adds next: first an append after the migrated run of edits, then
  // edits in a row, and a first edit in a conversation that had none.
  append_live(*store, edited_last);
  expect_changes_match(*store, edited_last);
  for (const std::int64_t seq : {3, 4, 7}) edit_live(*store, edited_last, seq);
  append_live(*store, edited_last);
  edit_live(*store, edited_last, 1);
  edit_live(*store, appended_last, 1);
  edit_live(*store, appended_last, 2);
  append_live(*store, appended_last);
  append_live(*store, never_edited);
  edit_live(*store, never_edited, 10);
  append_live(*store, never_edited);
  for (const auto* history : {&edited_last, &appended_last, &never_edited}) {
    expect_changes_match(*store, *history);
  }
}

// Version 2 gave a file whose history ended with edits no mark for them, so the messages the
// running store appended afterwards, until its next edit, had revs that no mark explained and
// changes_since skipped them. Version 3 gives those messages new revs, so that a client syncs
// them whatever rev it had reached, and rebuilds the marks.
TEST_F(SqliteMigrationTest, AFileVersionTwoMigratedGetsItsSkippedMessagesAgain) {
  History history(1);
  History unaffected(2);
  std::int64_t last_rev_before = 0;
  {
    auto db = create_version_one(2);
    random_v1(db.get(), history, 7, 60);
    edit_v1(db.get(), history, 1, 7001);
    edit_v1(db.get(), history, 2, 7002);
    save_counters_v1(db.get(), history);
    random_v1(db.get(), unaffected, 8, 40);
    append_v1(db.get(), unaffected);
    save_counters_v1(db.get(), unaffected);
    apply_raw(db.get(), 2);
    // Appended as version 2's store did: the next seq and rev, unchanged, and no mark.
    for (int i = 0; i < 2; ++i) {
      append_v1(db.get(), history);
      save_counters_v1(db.get(), history);
    }
    // Then an edit, which added a mark as the store does, and one more append after it.
    edit_v1(db.get(), history, 3, 7003);
    exec(db.get(), "UPDATE messages SET changed = 1 WHERE conversation_id = 1 AND seq = 3");
    exec(db.get(), fmt::format("INSERT INTO rev_marks VALUES (1, {}, {})", history.last_rev,
                               history.last_seq));
    append_v1(db.get(), history);
    save_counters_v1(db.get(), history);
    last_rev_before = history.last_rev;
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  // The two appended before the edit had lost their place; the one after it had not.
  const auto skipped = {history.last_seq - 2, history.last_seq - 1};
  for (const auto seq : skipped) {
    history.rev_of_seq[seq] = stored_rev(*store, history, seq);
    EXPECT_GT(history.rev_of_seq[seq], last_rev_before) << "seq " << seq;
  }
  history.last_rev = last_rev_before + 2;
  EXPECT_EQ(stored_last_rev(*store, history), history.last_rev);
  // Everything else kept its rev, in both conversations.
  expect_changes_match(*store, history);
  expect_changes_match(*store, unaffected);
  edit_live(*store, history, 4);
  append_live(*store, history);
  append_live(*store, unaffected);
  expect_changes_match(*store, history);
  expect_changes_match(*store, unaffected);
}

// An edit that left edited_at at 0 was not flagged by version 2, which read it with the unchanged
// messages in seq order: a client paging from rev 0 five at a time got seqs 1 to 5, moved its
// cursor to seq 5's rev, 11, and never saw seqs 6 to 10. All six come again, in seq order.
TEST_F(SqliteMigrationTest, AnUnflaggedEditComesBackWithTheMessagesAPagingClientSteppedOver) {
  History history(1);
  {
    auto db = create_version_one(1);
    for (int i = 0; i < 10; ++i) append_v1(db.get(), history);
    edit_v1(db.get(), history, 5, 0);
    save_counters_v1(db.get(), history);
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  for (std::int64_t seq = 5; seq <= 10; ++seq) {
    history.rev_of_seq[seq] = stored_rev(*store, history, seq);
    EXPECT_EQ(history.rev_of_seq[seq], 12 + (seq - 5)) << "seq " << seq;
  }
  history.last_rev = 17;
  const auto after_cursor = expect_ok(store->changes_since(ConversationId(1), Rev(11), 100));
  EXPECT_EQ(after_cursor.size(), 6U);
  expect_changes_match(*store, history);
}

// A version 2 file as unflagged edits and later writes left it (found by a model of the
// migrations): its marks go back in seq, (34, 7) then (37, 1), so version 2 skipped seq 7 (rev 40)
// for every cursor from 24 to 33, although the last mark below rev 40, (39, 6), agrees with it.
// In such a conversation no unchanged message is trusted: all of them come again.
TEST_F(SqliteMigrationTest, MarksThatGoBackInSeqTrustNoUnchangedMessage) {
  History history(1);
  {
    auto db = create_version_one(1);
    apply_raw(db.get(), 2);
    // (seq, rev, changed)
    const std::vector<std::array<int, 3>> rows = {
        {1, 44, 1}, {2, 53, 1}, {3, 49, 1}, {4, 33, 1},  {5, 22, 0},  {6, 31, 1},
        {7, 40, 0}, {8, 51, 1}, {9, 45, 1}, {10, 47, 1}, {11, 54, 1}, {12, 52, 1}};
    for (const auto& [seq, rev, changed] : rows) {
      exec(db.get(), fmt::format("INSERT INTO messages (conversation_id, seq, rev, sender_id,"
                                 " client_msg_id, text, created_at, changed)"
                                 " VALUES (1, {0}, {1}, 1, 'c{0}', 'text', {0}, {2})",
                                 seq, rev, changed));
      history.rev_of_seq[seq] = rev;
    }
    for (const auto& [rev, seq] : std::vector<std::pair<int, int>>{{17, 2},
                                                                   {21, 4},
                                                                   {34, 7},
                                                                   {37, 1},
                                                                   {38, 8},
                                                                   {39, 6},
                                                                   {42, 9},
                                                                   {45, 10},
                                                                   {49, 11},
                                                                   {54, 12}}) {
      exec(db.get(), fmt::format("INSERT INTO rev_marks VALUES (1, {}, {})", rev, seq));
    }
    history.last_seq = 12;
    history.last_rev = 54;
    save_counters_v1(db.get(), history);
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  // Seqs 5 and 7, the unchanged ones, in seq order.
  for (const auto& [seq, rev] : {std::pair{5, 55}, std::pair{7, 56}}) {
    EXPECT_EQ(stored_rev(*store, history, seq), rev) << "seq " << seq;
    history.rev_of_seq[seq] = rev;
  }
  history.last_rev = 56;
  expect_changes_match(*store, history);
}

// Version 4 files client ids first in the deduplication index (client_msg_id, sender_id): the
// messages a file already holds keep deduplicating their retries, per sender, through it.
TEST_F(SqliteMigrationTest, AVersionThreeFileDeduplicatesItsMessagesThroughTheReorderedIndex) {
  History history(1);
  {
    auto db = create_version_one(1);
    exec(db.get(),
         "INSERT INTO users (id, username, password_hash, created_at) VALUES (2, 'bob', 'x', 0)");
    for (int i = 0; i < 3; ++i) append_v1(db.get(), history);
    save_counters_v1(db.get(), history);
    apply_raw(db.get(), 2);
    apply_raw(db.get(), 3);
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  {
    auto raw = open_raw(db_path());
    for (const auto& [seqno, column] : {std::pair{0, "client_msg_id"}, std::pair{1, "sender_id"}}) {
      EXPECT_EQ(query_text(raw.get(), fmt::format("SELECT name FROM pragma_index_info("
                                                  "'messages_client_id_sender') WHERE seqno = {}",
                                                  seqno)),
                column);
    }
    EXPECT_EQ(query_int(raw.get(),
                        "SELECT count(*) FROM sqlite_schema"
                        " WHERE name = 'messages_sender_client_id'"),
              0);
    // The lookup the service makes on a conflict: one row, a search of the new index.
    const auto plan =
        sqlite::testing::first_row(raw.get(),
                                   "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE sender_id = 1"
                                   " AND client_msg_id = 'c1-2'");
    const auto* detail = sqlite3_column_text(plan.get(), 3);
    ASSERT_NE(detail, nullptr);
    EXPECT_NE(std::string(reinterpret_cast<const char*>(detail)).find("messages_client_id_sender"),
              std::string::npos);
  }
  const NewMessage retry{ConversationId(1), UserId(1), "c1-2", "again", 5000};
  EXPECT_EQ(conformance::code_of(store->append_messages({&retry, 1})), "conflict");
  const auto found = expect_ok(store->find_message_by_client_id(UserId(1), "c1-2"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->seq, Seq(2));
  // Another sender may use the same id.
  const NewMessage from_bob{ConversationId(1), UserId(2), "c1-2", "mine", 5000};
  const auto sent = expect_ok(store->append_messages({&from_bob, 1}));
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].seq, Seq(4));
  expect_changes_match(*store, [&] {
    History expected = history;
    expected.last_seq = 4;
    expected.rev_of_seq[4] = expected.last_rev = sent[0].rev.value();
    return expected;
  }());
}

}  // namespace
}  // namespace messenger::storage
