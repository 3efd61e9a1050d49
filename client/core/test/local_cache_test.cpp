#include "messenger/client/local_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace messenger::client {
namespace {

namespace fs = std::filesystem;
using core::ConversationId;
using core::Rev;
using core::Seq;
using core::UserId;

/// A fresh directory under the system temp dir per test, removed with its contents afterwards.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("messenger-cache-" + std::string(test != nullptr ? test->name() : "test") + "-" +
             std::to_string(random()) + std::to_string(random()));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::unique_ptr<LocalCache> open_cache(const fs::path& file) {
  auto cache = LocalCache::open(file);
  EXPECT_TRUE(cache.ok()) << cache.error().message;
  return cache.ok() ? std::move(cache).value() : nullptr;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs `sql` on the file with a raw connection of its own (WAL lets it share the file with an
/// open cache) and returns the
/// first column of the first row as text.
std::string raw_query(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(file.string().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return result;
}

// Every field of each struct, so that a comparison shows which one did not survive.
auto fields(const core::Message& m) {
  return std::tuple(m.conversation_id, m.seq, m.rev, m.sender_id, m.client_msg_id, m.text,
                    m.created_at, m.edited_at, m.deleted);
}
auto fields(const core::Conversation& c) {
  return std::tuple(c.id, c.kind, c.name, c.topic, c.created_by, c.archived, c.created_at,
                    c.last_seq, c.last_rev, c.last_activity);
}
auto fields(const core::Member& m) {
  return std::tuple(m.user_id, m.role, m.last_read, m.joined_at);
}
auto fields(const protocol::UserView& v) {
  const auto& u = v.user;
  const auto& p = u.profile;
  return std::tuple(u.id, u.username, p.display_name, p.department, p.title, p.email, p.status_text,
                    u.is_admin, u.disabled, u.created_at, u.last_seen, v.presence);
}
auto fields(const OutboxEntry& e) {
  return std::tuple(e.client_msg_id, e.conversation_id, e.text, e.created_at, e.failed, e.error);
}

void expect_same(const protocol::ConversationSummary& actual,
                 const protocol::ConversationSummary& expected) {
  EXPECT_EQ(fields(actual.conversation.conversation), fields(expected.conversation.conversation));
  ASSERT_EQ(actual.conversation.members.size(), expected.conversation.members.size());
  for (std::size_t i = 0; i < expected.conversation.members.size(); ++i) {
    EXPECT_EQ(fields(actual.conversation.members[i]), fields(expected.conversation.members[i]));
  }
  ASSERT_EQ(actual.last_message.has_value(), expected.last_message.has_value());
  if (expected.last_message) {
    EXPECT_EQ(fields(*actual.last_message), fields(*expected.last_message));
  }
  EXPECT_EQ(actual.unread, expected.unread);
  EXPECT_EQ(actual.last_read, expected.last_read);
}

core::Message message(std::int64_t conversation, std::int64_t seq, std::int64_t rev = 0,
                      std::string text = {}) {
  core::Message m;
  m.conversation_id = ConversationId(conversation);
  m.seq = Seq(seq);
  m.rev = Rev(rev != 0 ? rev : seq);
  m.sender_id = UserId(7);
  m.client_msg_id = "c-" + std::to_string(conversation) + "-" + std::to_string(seq);
  m.text = text.empty() ? "message " + std::to_string(seq) : std::move(text);
  m.created_at = 1'700'000'000'000 + seq;
  return m;
}

/// A summary with every field set to something other than its default.
protocol::ConversationSummary summary(std::int64_t id, std::string name = "Team") {
  protocol::ConversationSummary s;
  auto& c = s.conversation.conversation;
  c.id = ConversationId(id);
  c.kind = core::ConversationKind::channel;
  c.name = std::move(name);
  c.topic = "Topic with \"quotes\", \\ and ünïcödé";
  c.created_by = UserId(3);
  c.archived = true;
  c.created_at = 1'600'000'000'001;
  c.last_seq = Seq(42);
  c.last_rev = Rev(57);
  c.last_activity = 1'700'000'000'002;
  s.conversation.members = {
      {.user_id = UserId(3),
       .role = core::MemberRole::owner,
       .last_read = Seq(40),
       .joined_at = 1'600'000'000'003},
      {.user_id = UserId(4),
       .role = core::MemberRole::member,
       .last_read = Seq(12),
       .joined_at = 1'600'000'000'004},
  };
  core::Message last = message(id, 42, 57, "last words");
  last.edited_at = 1'700'000'000'005;
  s.last_message = last;
  s.unread = 2;
  s.last_read = Seq(40);
  return s;
}

OutboxEntry outbox_entry(std::string id, std::int64_t conversation, core::TimestampMs at) {
  return {.client_msg_id = std::move(id),
          .conversation_id = ConversationId(conversation),
          .text = "unsent",
          .created_at = at,
          .failed = false,
          .error = {}};
}

std::vector<std::int64_t> seqs(const std::vector<core::Message>& messages) {
  std::vector<std::int64_t> result;
  for (const auto& m : messages) result.push_back(m.seq.value());
  return result;
}

std::vector<std::string> outbox_ids(const LocalCache& cache) {
  std::vector<std::string> result;
  for (const auto& entry : cache.outbox()) result.push_back(entry.client_msg_id);
  return result;
}

class LocalCacheTest : public ::testing::Test {
 protected:
  [[nodiscard]] fs::path file() const { return dir_.path() / "cache.db"; }
  void reopen() {
    cache_.reset();
    cache_ = open_cache(file());
    ASSERT_NE(cache_, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<LocalCache> cache_ = open_cache(file());
};

TEST(LocalCacheOpen, CreatesMissingFoldersAndAVersionedWalSchema) {
  TempDir dir;
  const fs::path file = dir.path() / "accounts" / "alice@server" / "cache.db";
  auto cache = open_cache(file);
  ASSERT_NE(cache, nullptr);
  cache->set_value("k", "v");
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(fs::exists(file.string() + "-wal")) << "the cache runs in WAL mode";
  cache.reset();
  EXPECT_EQ(raw_query(file, "PRAGMA user_version"), "1");
  EXPECT_EQ(raw_query(file, "PRAGMA journal_mode"), "wal");
}

TEST(LocalCacheOpen, MovesACorruptFileAsideAndStartsAgain) {
  TempDir dir;
  const fs::path file = dir.path() / "cache.db";
  std::string garbage(10'000, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7 + 3);
  std::ofstream(file, std::ios::binary) << garbage;

  auto cache = open_cache(file);
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(read_file(file.string() + ".broken"), garbage) << "kept for inspection";
  cache->set_value("token", "t1");
  ASSERT_EQ(cache->outbox_add(outbox_entry("m1", 1, 10)).ok(), true);
  cache.reset();

  cache = open_cache(file);
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->value("token"), "t1");
  EXPECT_EQ(outbox_ids(*cache), std::vector<std::string>{"m1"});
  EXPECT_EQ(read_file(file.string() + ".broken"), garbage);
}

TEST(LocalCacheOpen, MovesAFileOfANewerClientAside) {
  TempDir dir;
  const fs::path file = dir.path() / "cache.db";
  open_cache(file).reset();
  raw_query(file, "PRAGMA user_version = 99");

  auto cache = open_cache(file);
  ASSERT_NE(cache, nullptr);
  EXPECT_TRUE(fs::exists(file.string() + ".broken"));
  cache.reset();
  EXPECT_EQ(raw_query(file, "PRAGMA user_version"), "1");
}

TEST(LocalCacheOpen, ReportsAPathThatCannotHoldAFile) {
  TempDir dir;
  const fs::path blocker = dir.path() / "not-a-folder";
  std::ofstream(blocker) << "x";
  auto in_file = LocalCache::open(blocker / "cache.db");
  EXPECT_FALSE(in_file.ok());

  const fs::path folder = dir.path() / "folder";
  fs::create_directories(folder);
  auto on_folder = LocalCache::open(folder);
  EXPECT_FALSE(on_folder.ok());
  EXPECT_TRUE(fs::is_directory(folder)) << "a folder is not a broken cache";
  EXPECT_FALSE(fs::exists(folder.string() + ".broken"));
}

TEST_F(LocalCacheTest, ConversationsKeepEveryField) {
  auto bare = protocol::ConversationSummary{};
  bare.conversation.conversation.id = ConversationId(9);
  bare.conversation.conversation.kind = core::ConversationKind::direct;
  cache_->replace_conversations({summary(1), bare});
  reopen();

  const auto stored = cache_->conversations();
  ASSERT_EQ(stored.size(), 2U);
  expect_same(stored[0], summary(1));
  expect_same(stored[1], bare);
  EXPECT_FALSE(stored[1].last_message.has_value());
}

TEST_F(LocalCacheTest, SkipsAStoredDocumentItCannotRead) {
  cache_->replace_conversations({summary(1)});
  protocol::UserView bob;
  bob.user.id = UserId(2);
  cache_->save_users({bob});
  raw_query(file(), "INSERT INTO conversations (id, summary) VALUES (2, 'not json')");
  raw_query(file(), R"(INSERT INTO conversations (id, summary) VALUES (3, '{"unread":"x"}'))");
  raw_query(file(), R"(INSERT INTO users (id, user_view) VALUES (3, '{"presence":"busy"}'))");

  const auto conversations = cache_->conversations();
  ASSERT_EQ(conversations.size(), 1U);
  expect_same(conversations[0], summary(1));
  const auto users = cache_->users();
  ASSERT_EQ(users.size(), 1U);
  EXPECT_EQ(users[0].user.id, UserId(2));
}

TEST_F(LocalCacheTest, SaveConversationAddsOrReplacesOne) {
  cache_->replace_conversations({summary(1, "One"), summary(2, "Two")});
  cache_->save_conversation(summary(2, "Renamed"));
  cache_->save_conversation(summary(3, "Three"));

  const auto stored = cache_->conversations();
  ASSERT_EQ(stored.size(), 3U);
  expect_same(stored[0], summary(1, "One"));
  expect_same(stored[1], summary(2, "Renamed"));
  expect_same(stored[2], summary(3, "Three"));
}

TEST_F(LocalCacheTest, RemoveConversationDropsEverythingOfIt) {
  cache_->replace_conversations({summary(1), summary(2)});
  for (const std::int64_t id : {1, 2}) {
    cache_->save_messages({message(id, 1), message(id, 2)});
    cache_->set_draft(ConversationId(id), "draft");
    cache_->set_synced_rev(ConversationId(id), Rev(2));
    ASSERT_TRUE(cache_->outbox_add(outbox_entry("m" + std::to_string(id), id, id)).ok());
  }

  cache_->remove_conversation(ConversationId(1));
  reopen();

  ASSERT_EQ(cache_->conversations().size(), 1U);
  EXPECT_EQ(cache_->conversations()[0].conversation.conversation.id, ConversationId(2));
  EXPECT_EQ(cache_->message_count(ConversationId(1)), 0);
  EXPECT_EQ(cache_->draft(ConversationId(1)), "");
  EXPECT_EQ(cache_->synced_rev(ConversationId(1)), Rev());
  EXPECT_EQ(outbox_ids(*cache_), std::vector<std::string>{"m2"});
  EXPECT_EQ(cache_->message_count(ConversationId(2)), 2);
  EXPECT_EQ(cache_->draft(ConversationId(2)), "draft");
  EXPECT_EQ(cache_->synced_rev(ConversationId(2)), Rev(2));
}

TEST_F(LocalCacheTest, ReplaceConversationsDropsTheOnesNoLongerListed) {
  cache_->replace_conversations({summary(1), summary(2)});
  cache_->save_messages({message(1, 1), message(2, 1)});
  cache_->set_draft(ConversationId(1), "gone");
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("m1", 1, 1)).ok());
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("m2", 2, 2)).ok());

  cache_->replace_conversations({summary(2, "Kept"), summary(3)});

  const auto stored = cache_->conversations();
  ASSERT_EQ(stored.size(), 2U);
  expect_same(stored[0], summary(2, "Kept"));
  expect_same(stored[1], summary(3));
  EXPECT_EQ(cache_->message_count(ConversationId(1)), 0);
  EXPECT_EQ(cache_->draft(ConversationId(1)), "");
  EXPECT_EQ(outbox_ids(*cache_), std::vector<std::string>{"m2"});
  EXPECT_EQ(cache_->message_count(ConversationId(2)), 1);

  cache_->replace_conversations({});
  EXPECT_TRUE(cache_->conversations().empty());
  EXPECT_TRUE(cache_->outbox().empty());
}

TEST_F(LocalCacheTest, UsersKeepEveryFieldAndAreUpdatedById) {
  protocol::UserView alice;
  alice.user = {.id = UserId(5),
                .username = "alice",
                .profile = {.display_name = "Alice Ädams",
                            .department = "R&D",
                            .title = "Engineer",
                            .email = "alice@example.com",
                            .status_text = "in a meeting"},
                .is_admin = true,
                .disabled = true,
                .created_at = 1'600'000'000'000,
                .last_seen = 1'700'000'000'000};
  alice.presence = protocol::PresenceState::away;
  protocol::UserView bob;
  bob.user.id = UserId(2);
  bob.user.username = "bob";
  cache_->save_users({alice, bob});
  reopen();

  auto stored = cache_->users();
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(fields(stored[0]), fields(bob));
  EXPECT_EQ(fields(stored[1]), fields(alice));

  alice.user.profile.title = "Lead";
  alice.presence = protocol::PresenceState::online;
  cache_->save_users({alice});
  stored = cache_->users();
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(fields(stored[1]), fields(alice));
}

TEST_F(LocalCacheTest, MessagesKeepEveryFieldAndTheHigherRevision) {
  core::Message original = message(1, 1, 5, "first text");
  original.edited_at = 1'700'000'000'100;
  cache_->save_messages({original});
  reopen();
  auto stored = cache_->messages_after(ConversationId(1), Seq(), 10);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(fields(stored[0]), fields(original));

  cache_->save_messages({message(1, 1, 3, "older revision")});
  stored = cache_->messages_after(ConversationId(1), Seq(), 10);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].text, "first text");
  EXPECT_EQ(stored[0].rev, Rev(5));

  cache_->save_messages({message(1, 1, 8, "edited")});
  stored = cache_->messages_after(ConversationId(1), Seq(), 10);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].text, "edited");
  EXPECT_EQ(stored[0].rev, Rev(8));
}

TEST_F(LocalCacheTest, ATombstoneReplacesTheTextOnDisk) {
  cache_->save_messages({message(1, 1, 1, "secret")});
  core::Message tombstone = message(1, 1, 2, "secret");  // even if a caller leaves the text
  tombstone.deleted = true;
  cache_->save_messages({tombstone});
  reopen();

  const auto stored = cache_->messages_before(ConversationId(1), Seq(), 10);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_TRUE(stored[0].deleted);
  EXPECT_EQ(stored[0].text, "");
  EXPECT_EQ(stored[0].rev, Rev(2));
  EXPECT_EQ(raw_query(file(), "SELECT count(*) FROM messages WHERE text LIKE '%secret%'"), "0");
}

TEST_F(LocalCacheTest, PagesBeforeAndAfterAnAnchorInAscendingOrder) {
  std::vector<core::Message> batch;
  for (int seq = 10; seq >= 1; --seq) batch.push_back(message(1, seq));  // any order
  for (int seq = 1; seq <= 5; ++seq) batch.push_back(message(2, seq));
  cache_->save_messages(batch);
  const ConversationId one(1);

  using Seqs = std::vector<std::int64_t>;
  EXPECT_EQ(seqs(cache_->messages_before(one, Seq(), 3)), (Seqs{8, 9, 10}));
  EXPECT_EQ(seqs(cache_->messages_before(one, Seq(8), 3)), (Seqs{5, 6, 7}));
  EXPECT_EQ(seqs(cache_->messages_before(one, Seq(3), 5)), (Seqs{1, 2}));
  EXPECT_EQ(seqs(cache_->messages_before(one, Seq(1), 5)), Seqs{});
  EXPECT_EQ(seqs(cache_->messages_before(one, Seq(100), 2)), (Seqs{9, 10}));
  EXPECT_EQ(seqs(cache_->messages_after(one, Seq(), 3)), (Seqs{1, 2, 3}));
  EXPECT_EQ(seqs(cache_->messages_after(one, Seq(7), 5)), (Seqs{8, 9, 10}));
  EXPECT_EQ(seqs(cache_->messages_after(one, Seq(10), 5)), Seqs{});
  EXPECT_EQ(seqs(cache_->messages_before(one, Seq(), 0)), Seqs{});
  EXPECT_EQ(seqs(cache_->messages_after(one, Seq(), -1)), Seqs{});
  EXPECT_EQ(seqs(cache_->messages_before(ConversationId(2), Seq(), 100)), (Seqs{1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs(cache_->messages_before(ConversationId(3), Seq(), 100)), Seqs{});
  EXPECT_EQ(cache_->message_count(one), 10);
  EXPECT_EQ(cache_->message_count(ConversationId(2)), 5);
  EXPECT_EQ(cache_->message_count(ConversationId(3)), 0);
}

TEST_F(LocalCacheTest, HoldsAHundredThousandMessagesInOneConversation) {
  constexpr int kTotal = 100'000;
  constexpr int kBatch = 1'000;
  for (int first = 1; first <= kTotal; first += kBatch) {
    std::vector<core::Message> batch;
    batch.reserve(kBatch);
    for (int seq = first; seq < first + kBatch; ++seq) batch.push_back(message(1, seq));
    cache_->save_messages(batch);
  }
  cache_->save_messages({message(2, 1)});

  EXPECT_EQ(cache_->message_count(ConversationId(1)), kTotal);
  const auto newest = cache_->messages_before(ConversationId(1), Seq(), 50);
  ASSERT_EQ(newest.size(), 50U);
  EXPECT_EQ(newest.front().seq, Seq(kTotal - 49));
  EXPECT_EQ(newest.back().seq, Seq(kTotal));
  EXPECT_EQ(newest.back().text, "message " + std::to_string(kTotal));
  const auto middle = cache_->messages_after(ConversationId(1), Seq(50'000), 50);
  ASSERT_EQ(middle.size(), 50U);
  EXPECT_EQ(middle.front().seq, Seq(50'001));
  EXPECT_EQ(middle.back().seq, Seq(50'050));
}

TEST_F(LocalCacheTest, SyncedRevIsPerConversationAndSurvivesReopen) {
  EXPECT_EQ(cache_->synced_rev(ConversationId(1)), Rev());
  cache_->set_synced_rev(ConversationId(1), Rev(10));
  cache_->set_synced_rev(ConversationId(2), Rev(3));
  cache_->set_synced_rev(ConversationId(1), Rev(12));
  reopen();
  EXPECT_EQ(cache_->synced_rev(ConversationId(1)), Rev(12));
  EXPECT_EQ(cache_->synced_rev(ConversationId(2)), Rev(3));
  EXPECT_EQ(cache_->synced_rev(ConversationId(3)), Rev());
}

TEST_F(LocalCacheTest, OutboxKeepsSendingOrderThroughFailureRetryAndReopen) {
  // Added in sending order; the clock went backwards in between, the order must not follow it.
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("a", 1, 300)).ok());
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("b", 2, 100)).ok());
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("c", 1, 200)).ok());
  EXPECT_EQ(outbox_ids(*cache_), (std::vector<std::string>{"a", "b", "c"}));

  ASSERT_TRUE(cache_->outbox_mark_failed("a", "text too long").ok());
  reopen();
  auto entries = cache_->outbox();
  ASSERT_EQ(entries.size(), 3U);
  OutboxEntry failed = outbox_entry("a", 1, 300);
  failed.failed = true;
  failed.error = "text too long";
  EXPECT_EQ(fields(entries[0]), fields(failed));
  EXPECT_EQ(fields(entries[1]), fields(outbox_entry("b", 2, 100)));

  ASSERT_TRUE(cache_->outbox_retry("a").ok());
  entries = cache_->outbox();
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(fields(entries[0]), fields(outbox_entry("a", 1, 300))) << "retry keeps its place";

  ASSERT_TRUE(cache_->outbox_remove("b").ok());
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("d", 1, 50)).ok());
  reopen();
  EXPECT_EQ(outbox_ids(*cache_), (std::vector<std::string>{"a", "c", "d"}));
}

TEST_F(LocalCacheTest, OutboxReportsDuplicatesAndUnknownEntries) {
  ASSERT_TRUE(cache_->outbox_add(outbox_entry("a", 1, 1)).ok());
  const auto duplicate = cache_->outbox_add(outbox_entry("a", 2, 2));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, core::Errc::conflict);

  const auto failed = cache_->outbox_mark_failed("nope", "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, core::Errc::not_found);
  const auto retried = cache_->outbox_retry("nope");
  ASSERT_FALSE(retried.ok());
  EXPECT_EQ(retried.error().code, core::Errc::not_found);

  EXPECT_TRUE(cache_->outbox_remove("nope").ok()) << "removing twice is harmless";
  EXPECT_EQ(outbox_ids(*cache_), std::vector<std::string>{"a"});
}

TEST_F(LocalCacheTest, DraftsAreKeptPerConversationAndAnEmptyTextRemovesThem) {
  EXPECT_EQ(cache_->draft(ConversationId(1)), "");
  cache_->set_draft(ConversationId(1), "hello");
  cache_->set_draft(ConversationId(2), "other");
  cache_->set_draft(ConversationId(1), "hello, world");
  reopen();
  EXPECT_EQ(cache_->draft(ConversationId(1)), "hello, world");
  EXPECT_EQ(cache_->draft(ConversationId(2)), "other");

  cache_->set_draft(ConversationId(1), "");
  EXPECT_EQ(cache_->draft(ConversationId(1)), "");
  EXPECT_EQ(raw_query(file(), "SELECT count(*) FROM drafts"), "1");
}

TEST_F(LocalCacheTest, ValuesAreSetReplacedAndRemoved) {
  EXPECT_EQ(cache_->value("token"), std::nullopt);
  cache_->set_value("token", "t1");
  cache_->set_value("settings", R"({"theme":"dark"})");
  cache_->set_value("token", "t2");
  cache_->set_value("empty", "");
  reopen();
  EXPECT_EQ(cache_->value("token"), "t2");
  EXPECT_EQ(cache_->value("settings"), R"({"theme":"dark"})");
  EXPECT_EQ(cache_->value("empty"), "") << "an empty value is a value";

  cache_->remove_value("token");
  cache_->remove_value("never-set");
  EXPECT_EQ(cache_->value("token"), std::nullopt);
  EXPECT_EQ(cache_->value("settings"), R"({"theme":"dark"})");
}

}  // namespace
}  // namespace messenger::client
