#include "messenger/storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "messenger/sqlite/handles.h"
#include "sqlite_migrations.h"
#include "sqlite_test_support.h"
#include "store_conformance.h"

namespace messenger::storage {
namespace {

namespace fs = std::filesystem;
using conformance::code_of;
using conformance::expect_ok;
using conformance::fields;
using core::ConversationKind;
using core::MemberRole;
using sqlite::testing::open_raw;
using sqlite::testing::query_int;
using sqlite::testing::query_text;
using sqlite::testing::TempDir;

// The conformance suite gets a store on a real file in a fresh directory per test.
std::vector<std::unique_ptr<TempDir>>& conformance_dirs() {
  static std::vector<std::unique_ptr<TempDir>> dirs;
  return dirs;
}

conformance::StoreBackend sqlite_backend() {
  return {.name = "Sqlite",
          .make_store =
              [] {
                auto& dir = conformance_dirs().emplace_back(std::make_unique<TempDir>());
                auto store = open_sqlite_store({.path = (dir->path() / "store.db").string()});
                EXPECT_TRUE(store.ok()) << store.error().message;
                return store.ok() ? std::move(store).value() : nullptr;
              },
          .after_test = [] { conformance_dirs().clear(); }};
}

}  // namespace

namespace conformance {
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(sqlite_backend()),
                         backend_name);
}  // namespace conformance

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Copies the whole WAL into the database through `db`, so that the writer's next transaction
/// writes the WAL again from its start (what an automatic checkpoint every 10,000 pages does).
void checkpoint_and_restart(sqlite3* db) {
  sqlite3_stmt* raw = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(RESTART)", -1, &raw, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  ::messenger::sqlite::StatementHandle stmt(raw);
  ASSERT_EQ(sqlite3_step(stmt.get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt.get(), 0), 0) << "the checkpoint was blocked";
}

/// A group "team" owned by `owner`.
ConversationId create_team(Store& store, UserId owner) {
  Conversation input;
  input.kind = ConversationKind::group;
  input.name = "team";
  input.created_by = owner;
  input.created_at = 1;
  return expect_ok(store.create_conversation(
                       input, std::vector<Member>{{owner, MemberRole::owner, Seq(), 1}}))
      .id;
}

/// Message number `i` of a run: client_msg_id "c<i>", a 150-byte text.
NewMessage numbered(ConversationId team, UserId sender, int i) {
  return NewMessage{team, sender, "c" + std::to_string(i),
                    std::string(150, 'x') + std::to_string(i), 10 + i};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  [[nodiscard]] fs::path db_path() const { return dir_.path() / "store.db"; }
  std::unique_ptr<Store> open(std::string synchronous = "full") {
    auto store = open_sqlite_store({.path = db_path().string(), .synchronous = synchronous});
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, ReopenKeepsEverythingCommitted) {
  User alice;
  Conversation team;
  std::vector<Message> sent;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    expect_ok(store->begin());
    alice = expect_ok(store->create_user(conformance::new_user("alice")));
    const std::vector<Member> members{{alice.id, MemberRole::owner, Seq(), 1}};
    Conversation input;
    input.kind = ConversationKind::group;
    input.name = "team";
    input.created_by = alice.id;
    input.created_at = 1;
    team = expect_ok(store->create_conversation(input, members));
    const std::vector<NewMessage> batch{{team.id, alice.id, "c1", "one", 2},
                                        {team.id, alice.id, "c2", "two", 3}};
    sent = expect_ok(store->append_messages(batch));
    expect_ok(store->put_settings(alice.id, R"({"x":1})"));
    expect_ok(store->commit());
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  const auto found = expect_ok(store->find_user(alice.id));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(fields(*found), fields(alice));
  EXPECT_EQ(expect_ok(store->get_settings(alice.id)), R"({"x":1})");
  const auto history = expect_ok(store->history(team.id, {}));
  EXPECT_EQ(conformance::all_fields(history), conformance::all_fields(sent));
  const NewMessage next{team.id, alice.id, "c3", "three", 4};
  const auto appended = expect_ok(store->append_messages({&next, 1}));
  ASSERT_EQ(appended.size(), 1U);
  EXPECT_EQ(appended[0].seq, Seq(3));
  EXPECT_EQ(appended[0].rev, Rev(3));
}

/// Every message acknowledged (its unit committed) is in the file at once: a second connection
/// through SQLite's default VFS (what `sqlite3 db ".backup ..."` uses) reads it while the store
/// is open, a backup made then holds it, and so does the file after the store closes. The store
/// batches its WAL writes (docs/storage.md, "Durability"); with synchronous = NORMAL nothing but
/// the batching itself puts a commit into the file before the next one.
class SqliteStoreDurabilityTest : public SqliteStoreTest,
                                  public ::testing::WithParamInterface<std::string> {};

TEST_P(SqliteStoreDurabilityTest, EveryAcknowledgedMessageIsInTheFile) {
  constexpr int kMessages = 400;  // With a checkpoint and a WAL restart every 100.
  ConversationId team_id;
  {
    auto store = open(GetParam());
    ASSERT_NE(store, nullptr);
    const auto alice = expect_ok(store->create_user(conformance::new_user("alice")));
    team_id = create_team(*store, alice.id);
    auto reader = open_raw(db_path());
    ASSERT_NE(reader, nullptr);
    for (int i = 1; i <= kMessages; ++i) {
      expect_ok(store->begin());
      const auto stored = expect_ok(
          store->append_message_after(numbered(team_id, alice.id, i), Seq(i - 1), Rev(i - 1)));
      ASSERT_EQ(stored.seq, Seq(i));
      expect_ok(store->commit());
      if (i % 100 == 0) {
        EXPECT_EQ(query_int(reader.get(), "SELECT count(*) FROM messages"), i);
        checkpoint_and_restart(reader.get());
      }
    }
    const auto backup_path = dir_.path() / "backup.db";
    {
      sqlite3* raw = nullptr;
      ASSERT_EQ(sqlite3_open(backup_path.c_str(), &raw), SQLITE_OK);
      ::messenger::sqlite::DatabaseHandle target(raw);
      sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", reader.get(), "main");
      ASSERT_NE(backup, nullptr) << sqlite3_errmsg(target.get());
      EXPECT_EQ(sqlite3_backup_step(backup, -1), SQLITE_DONE);
      EXPECT_EQ(sqlite3_backup_finish(backup), SQLITE_OK);
    }
    auto copy = open_raw(backup_path);
    EXPECT_EQ(query_int(copy.get(), "SELECT count(*) FROM messages"), kMessages);
    EXPECT_EQ(query_text(copy.get(), "PRAGMA integrity_check"), "ok");
  }
  auto store = open(GetParam());
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= kMessages; ++i) {
    const auto found = expect_ok(store->find_message(team_id, Seq(i)));
    ASSERT_TRUE(found.has_value()) << "message " << i;
    EXPECT_EQ(found->client_msg_id, "c" + std::to_string(i));
  }
  auto raw = open_raw(db_path());
  EXPECT_EQ(query_text(raw.get(), "PRAGMA integrity_check"), "ok");
}

std::string synchronous_name(const ::testing::TestParamInfo<std::string>& param_info) {
  return param_info.param;
}

INSTANTIATE_TEST_SUITE_P(Synchronous, SqliteStoreDurabilityTest,
                         ::testing::Values(std::string("full"), std::string("normal")),
                         synchronous_name);

TEST_F(SqliteStoreTest, UncommittedWorkIsGoneAfterReopen) {
  {
    auto store = open("normal");
    ASSERT_NE(store, nullptr);
    expect_ok(store->create_user(conformance::new_user("kept")));
    expect_ok(store->begin());
    expect_ok(store->create_user(conformance::new_user("lost")));
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(expect_ok(store->count_users()), 1);
  EXPECT_FALSE(expect_ok(store->find_user_by_username("lost")).has_value());
}

TEST_F(SqliteStoreTest, NewFileGetsTheLatestSchemaInWalMode) {
  ASSERT_NE(open(), nullptr);
  auto raw = open_raw(db_path());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(query_int(raw.get(), "PRAGMA user_version"), sqlite::latest_schema_version());
  EXPECT_EQ(query_int(raw.get(), "SELECT count(*) FROM schema_version"),
            static_cast<std::int64_t>(sqlite::migrations().size()));
  EXPECT_EQ(query_text(raw.get(), "PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, ReopeningDoesNotMigrateAgain) {
  ASSERT_NE(open(), nullptr);
  ASSERT_NE(open(), nullptr);
  auto store = open();
  ASSERT_NE(store, nullptr);
  expect_ok(store->create_user(conformance::new_user("alice")));
  store.reset();
  auto raw = open_raw(db_path());
  EXPECT_EQ(query_int(raw.get(), "PRAGMA user_version"), sqlite::latest_schema_version());
  EXPECT_EQ(query_int(raw.get(), "SELECT count(*) FROM schema_version"),
            static_cast<std::int64_t>(sqlite::migrations().size()));
  EXPECT_EQ(query_int(raw.get(), "SELECT count(*) FROM users"), 1);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefusedAndTheFileIsLeftAlone) {
  ASSERT_NE(open(), nullptr);
  const int newer = sqlite::latest_schema_version() + 7;
  {
    auto raw = open_raw(db_path());
    const auto sql = "PRAGMA user_version = " + std::to_string(newer);
    ASSERT_EQ(sqlite3_exec(raw.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }
  const auto bytes = read_file(db_path());
  ASSERT_FALSE(bytes.empty());

  const auto store = open_sqlite_store({.path = db_path().string()});
  ASSERT_EQ(code_of(store), "unavailable");
  const auto& message = store.error().message;
  EXPECT_NE(message.find("schema version " + std::to_string(newer)), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(sqlite::latest_schema_version())), std::string::npos)
      << message;
  EXPECT_EQ(read_file(db_path()), bytes);
}

TEST_F(SqliteStoreTest, MissingDirectoryIsAClearError) {
  const auto path = dir_.path() / "no" / "such" / "store.db";
  const auto store = open_sqlite_store({.path = path.string()});
  ASSERT_EQ(code_of(store), "unavailable");
  EXPECT_NE(store.error().message.find("does not exist"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find((dir_.path() / "no" / "such").string()), std::string::npos)
      << store.error().message;
  EXPECT_FALSE(fs::exists(dir_.path() / "no"));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefused) {
  {
    std::ofstream out(db_path(), std::ios::binary);
    out << std::string(4096, 'x');
  }
  const auto store = open_sqlite_store({.path = db_path().string()});
  EXPECT_EQ(code_of(store), "unavailable");
  EXPECT_EQ(read_file(db_path()), std::string(4096, 'x'));
}

TEST_F(SqliteStoreTest, UnknownSynchronousModeIsRefused) {
  const auto store = open_sqlite_store({.path = db_path().string(), .synchronous = "off"});
  EXPECT_EQ(code_of(store), "bad_request");
  EXPECT_NE(store.error().message.find("synchronous"), std::string::npos);
  EXPECT_FALSE(fs::exists(db_path()));
}

TEST_F(SqliteStoreTest, PageCacheUnderOneMibIsRefused) {
  const auto store = open_sqlite_store({.path = db_path().string(), .cache_mib = 0});
  EXPECT_EQ(code_of(store), "bad_request");
  EXPECT_NE(store.error().message.find("page cache"), std::string::npos);
  EXPECT_FALSE(fs::exists(db_path()));
}

TEST_F(SqliteStoreTest, CheckpointIntervalOutOfRangeIsRefused) {
  for (const int pages : {15, 65'537}) {
    const auto store = open_sqlite_store({.path = db_path().string(), .checkpoint_pages = pages});
    EXPECT_EQ(code_of(store), "bad_request");
    EXPECT_NE(store.error().message.find("checkpoint_pages must be 16 to 65536"), std::string::npos)
        << store.error().message;
  }
  EXPECT_FALSE(fs::exists(db_path()));
}

/// A store with a 32-page checkpoint interval, written one message per commit, paced as a server's
/// group commits come.
class SqliteCheckpointTest : public SqliteStoreTest {
 protected:
  static constexpr int kPages = 32;
  static constexpr std::uintmax_t kFrameBytes = 4096 + 24;

  void SetUp() override {
    auto opened = open_sqlite_store({.path = db_path().string(), .checkpoint_pages = kPages});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    alice_ = expect_ok(store_->create_user(conformance::new_user("alice"))).id;
    team_ = create_team(*store_, alice_);
  }

  void send() {
    ++sent_;
    expect_ok(store_->begin());
    expect_ok(store_->append_message_after(numbered(team_, alice_, sent_), Seq(sent_ - 1),
                                           Rev(sent_ - 1)));
    expect_ok(store_->commit());
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }

  /// One of the store's counters (a test failure when it has none by that name).
  std::uint64_t counter(const std::string& name) {
    for (const auto& c : store_->counters()) {
      if (c.name == name) return c.value;
    }
    ADD_FAILURE() << name << " missing";
    return 0;
  }

  [[nodiscard]] std::uintmax_t wal_bytes() const {
    return fs::file_size(db_path().string() + "-wal");
  }

  /// Closes the store; every message sent is there when the file is opened again.
  void expect_every_message_after_reopening() {
    store_.reset();
    auto reopened = open();
    ASSERT_NE(reopened, nullptr);
    const auto last = expect_ok(reopened->find_message(team_, Seq(sent_)));
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->client_msg_id, "c" + std::to_string(sent_));
  }

  std::unique_ptr<Store> store_;
  UserId alice_;
  ConversationId team_;
  int sent_ = 0;
};

TEST_F(SqliteCheckpointTest, TheWalStaysNearTheCheckpointInterval) {
  // About 600 pages of WAL in commits of a few pages each.
  for (int i = 0; i < 600; ++i) send();
  // The WAL file keeps the length of its longest run between two restarts: a round's worth, not
  // the 600 commits'. The writer's own limit is four intervals; the commit that crosses it adds a
  // few pages, and a background pass that holds the checkpoint then (a loaded machine) lets it
  // grow on a little.
  EXPECT_LE(wal_bytes(), 8U * kPages * kFrameBytes + 32);
  const auto rounds = counter("messenger_sqlite_checkpoint_rounds_total");
  EXPECT_GE(rounds, 5U);
  EXPECT_GE(counter("messenger_sqlite_checkpoint_passes_total"), rounds);
  const auto wal_frames = counter("messenger_sqlite_wal_frames");
  EXPECT_GT(wal_frames, 0U);
  EXPECT_LE(wal_frames, 8U * kPages);
  expect_every_message_after_reopening();
}

// An online backup holds a snapshot: no checkpoint can copy past it, so the WAL grows. Once it
// ends, the rounds copy the backlog and the -wal file is cut back to the writer's limit.
TEST_F(SqliteCheckpointTest, TheWalGrowsDuringABackupAndShrinksAfterIt) {
  for (int i = 0; i < 20; ++i) send();
  auto backup = open_raw(db_path());
  sqlite::testing::exec(backup.get(), "BEGIN");
  EXPECT_EQ(query_int(backup.get(), "SELECT count(*) FROM messages"), 20);
  for (int i = 0; i < 400; ++i) send();
  const auto pinned_frames = counter("messenger_sqlite_wal_frames");
  EXPECT_GT(pinned_frames, 8U * kPages) << "the snapshot did not hold the WAL back";

  sqlite::testing::exec(backup.get(), "COMMIT");
  const auto rounds = counter("messenger_sqlite_checkpoint_rounds_total");
  while (counter("messenger_sqlite_checkpoint_rounds_total") < rounds + 2 && sent_ < 5'000) {
    send();
  }
  EXPECT_GE(counter("messenger_sqlite_checkpoint_rounds_total"), rounds + 2);
  // The background thread copied the backlog, not the writer inside its commits (the writer's
  // limit staying where it was made that ~50 fallbacks; a slow pass on a loaded machine, one or
  // two).
  EXPECT_LE(counter("messenger_sqlite_checkpoint_writer_fallbacks_total"), 2U);
  EXPECT_LE(counter("messenger_sqlite_wal_frames"), 8U * kPages);
  EXPECT_LE(wal_bytes(), 8U * kPages * kFrameBytes + 32)
      << "the WAL file kept the length it reached during the backup, " << pinned_frames
      << " frames";
  expect_every_message_after_reopening();
}

TEST_F(SqliteStoreTest, SecondConnectionWaitsForTheWriterInsteadOfFailing) {
  auto first = open();
  auto second = open();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  expect_ok(first->begin());
  expect_ok(first->create_user(conformance::new_user("alice")));
  // The second writer is refused only after its busy timeout; a reader is never blocked.
  EXPECT_EQ(expect_ok(second->count_users()), 0);
  expect_ok(first->commit());
  expect_ok(second->create_user(conformance::new_user("bob")));
  EXPECT_EQ(expect_ok(first->count_users()), 2);
}

TEST_F(SqliteStoreTest, SyncIsDeferredOnlyWhenCommitsWaitForTheDisk) {
  auto full = open("full");
  ASSERT_NE(full, nullptr);
  EXPECT_NE(full->defer_sync(), nullptr);
  full.reset();
  // With synchronous = normal commits never waited for the disk: nothing to take off them.
  auto normal = open("normal");
  ASSERT_NE(normal, nullptr);
  EXPECT_EQ(normal->defer_sync(), nullptr);
  auto memory = open_sqlite_store({.path = ":memory:"});
  ASSERT_TRUE(memory.ok()) << memory.error().message;
  EXPECT_EQ(memory.value()->defer_sync(), nullptr);
}

/// The service's pipeline: the store's thread commits while another thread syncs the WAL. Every
/// commit is in the file for other readers at once, and in the database after a reopen.
TEST_F(SqliteStoreTest, SyncsFromAnotherThreadWhileTheStoreCommits) {
  constexpr int kMessages = 400;  // With a checkpoint and a WAL restart every 100.
  ConversationId team_id;
  {
    auto store = open("full");
    ASSERT_NE(store, nullptr);
    const auto alice = expect_ok(store->create_user(conformance::new_user("alice")));
    team_id = create_team(*store, alice.id);
    auto syncer = store->defer_sync();
    ASSERT_NE(syncer, nullptr);
    std::atomic<bool> done{false};
    std::atomic<int> syncs{0};
    std::atomic<int> failures{0};
    std::thread syncing([&] {
      do {
        (syncer->sync().ok() ? syncs : failures).fetch_add(1);
      } while (!done.load());
    });
    // The syncer holds a descriptor of the WAL: restarts must rewrite that same file.
    const auto wal = fs::path(db_path().string() + "-wal");
    struct stat before {};
    ASSERT_EQ(::stat(wal.c_str(), &before), 0);
    auto reader = open_raw(db_path());
    ASSERT_NE(reader, nullptr);
    for (int i = 1; i <= kMessages; ++i) {
      expect_ok(store->begin());
      expect_ok(
          store->append_message_after(numbered(team_id, alice.id, i), Seq(i - 1), Rev(i - 1)));
      expect_ok(store->commit());
      if (i % 100 == 0) {
        EXPECT_EQ(query_int(reader.get(), "SELECT count(*) FROM messages"), i);
        checkpoint_and_restart(reader.get());
      }
    }
    done = true;
    syncing.join();
    struct stat after {};
    ASSERT_EQ(::stat(wal.c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino);
    EXPECT_GT(syncs.load(), 0);
    EXPECT_EQ(failures.load(), 0);
    expect_ok(syncer->sync());
  }
  auto raw = open_raw(db_path());
  EXPECT_EQ(query_int(raw.get(), "SELECT count(*) FROM messages"), kMessages);
  EXPECT_EQ(query_text(raw.get(), "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace messenger::storage
