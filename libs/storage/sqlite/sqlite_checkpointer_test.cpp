#include "sqlite_checkpointer.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "messenger/sqlite/database.h"
#include "messenger/sqlite/testing/failing_sync_vfs.h"
#include "sqlite_test_support.h"

namespace messenger::storage::sqlite {
namespace {

namespace fs = std::filesystem;
using ::messenger::sqlite::Database;
using ::messenger::sqlite::open_database;
using ::messenger::sqlite::WriteShaping;

constexpr int kPageSize = 4096;
/// A WAL frame: its 24-byte header and one page.
constexpr std::uintmax_t kFrameBytes = 24 + kPageSize;

/// A writer on `path` set up as the store sets up its connection: WAL, synchronous = NORMAL,
/// batched WAL writes, and a table of rows of about one page each.
Database open_writer_at(const std::string& path) {
  auto db = open_database(path, 1000, WriteShaping{.batch_wal_writes = true});
  EXPECT_TRUE(db.ok());
  EXPECT_EQ(db->query_text("PRAGMA journal_mode = WAL", "wal").value(), "wal");
  EXPECT_TRUE(db->execute("PRAGMA synchronous = NORMAL", "sync").ok());
  EXPECT_TRUE(
      db->execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB)", "table")
          .ok());
  return std::move(db.value());
}

void insert_row(Database& db) {
  auto insert = db.prepare("INSERT INTO rows (body) VALUES (randomblob(3000))", "insert");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->run().ok());
}

class CheckpointerTest : public ::testing::Test {
 protected:
  Database open_writer() { return open_writer_at(path_); }

  static std::int64_t count_rows(Database& db) {
    return db.query_int("SELECT count(*) FROM rows", "count").value();
  }

  [[nodiscard]] std::uintmax_t wal_bytes() const {
    std::error_code error;
    const auto size = fs::file_size(path_ + "-wal", error);
    return error ? 0 : size;
  }

  testing::TempDir dir_;
  std::string path_ = (dir_.path() / "test.db").string();
};

TEST_F(CheckpointerTest, BackgroundPassesLeaveTheWriterTheLastFramesAndTheWalStartsOver) {
  Database writer = open_writer();
  // No writer fallback: every restart below comes from a background pass and a finish.
  const CheckpointLimits limits{
      .start_frames = 256, .finish_frames = 64, .writer_frames = 1'000'000'000};
  auto checkpointer = Checkpointer::start(writer.get(), limits);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;

  // Commits paced as a server's group commits come (~1,000/s at 25,000 msg/s): a writer that
  // never pauses outruns the copies, and then only the fallback bounds the WAL. Bounded at
  // 20,000 commits; each adds about two frames.
  int commits = 0;
  while ((*checkpointer)->counts().writer_finishes < 10 && commits < 20'000) {
    insert_row(writer);
    ++commits;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto counts = (*checkpointer)->counts();
  EXPECT_GE(counts.writer_finishes, 10U) << "after " << commits << " commits";
  EXPECT_GE(counts.background_passes, counts.writer_finishes);
  EXPECT_EQ(counts.writer_fallbacks, 0U);
  // The WAL started over at every finish: the file is as long as the longest round made it, a
  // little over start_frames, where ten rounds' commits wrote more than 2,560 frames.
  EXPECT_LE(wal_bytes(), 3 * 256 * kFrameBytes) << "after " << commits << " commits";
  EXPECT_EQ(count_rows(writer), commits);
  checkpointer->reset();
  // Every commit is in the file after the writer closes and a new connection reads it.
  writer = open_writer();
  EXPECT_EQ(count_rows(writer), commits);
  EXPECT_EQ(writer.query_text("PRAGMA integrity_check", "check").value(), "ok");
}

/// The WAL's length in frames as a new connection finds it.
int wal_frames(const std::string& path) {
  auto db = open_database(path, 1000);
  EXPECT_TRUE(db.ok());
  int log = -1;
  int copied = -1;
  EXPECT_EQ(sqlite3_wal_checkpoint_v2(db->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
            SQLITE_OK);
  return log;
}

TEST_F(CheckpointerTest, AReaderThatKeepsFramesFromTheFileDoesNotMakeEveryCommitAskAgain) {
  Database writer = open_writer();
  const CheckpointLimits limits{
      .start_frames = 64, .finish_frames = 16, .writer_frames = 1'000'000'000};
  auto checkpointer = Checkpointer::start(writer.get(), limits);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;
  for (int i = 0; i < 50; ++i) insert_row(writer);
  // A reader's snapshot, as a backup's: no checkpoint can copy what came after it.
  auto reader = open_database(path_, 1000);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->execute("BEGIN", "begin").ok());
  ASSERT_EQ(count_rows(*reader), 50);

  const auto before = (*checkpointer)->counts();
  constexpr int kPinnedCommits = 600;  // about 1,200 frames, 19 rounds' worth
  for (int i = 0; i < kPinnedCommits; ++i) {
    insert_row(writer);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto pinned = (*checkpointer)->counts();
  // A round (two passes that copy nothing new, and the writer's finish) per 64 frames, not after
  // every other commit.
  EXPECT_GE(pinned.writer_finishes - before.writer_finishes, 5U);
  EXPECT_LE(pinned.background_passes - before.background_passes, 80U);
  EXPECT_LE(pinned.writer_finishes - before.writer_finishes, 40U);

  ASSERT_TRUE(reader->execute("COMMIT", "end the snapshot").ok());
  int commits = 0;
  while ((*checkpointer)->counts().writer_finishes < pinned.writer_finishes + 2 &&
         commits < 5'000) {
    insert_row(writer);
    ++commits;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  EXPECT_GE((*checkpointer)->counts().writer_finishes, pinned.writer_finishes + 2)
      << "after " << commits << " commits";
  checkpointer->reset();
  // The WAL started over once the reader was gone: it holds a round's frames, not all since the
  // snapshot.
  EXPECT_LT(wal_frames(path_), 4 * limits.start_frames);
  EXPECT_EQ(count_rows(writer), 50 + kPinnedCommits + commits);
}

TEST_F(CheckpointerTest, TheWriterCheckpointsByItselfAtItsLimit) {
  Database writer = open_writer();
  // The background is never asked, as when it cannot keep up.
  const CheckpointLimits limits{
      .start_frames = 1'000'000'000, .finish_frames = 16, .writer_frames = 64};
  auto checkpointer = Checkpointer::start(writer.get(), limits);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;
  for (int i = 0; i < 500; ++i) insert_row(writer);
  const auto counts = (*checkpointer)->counts();
  EXPECT_GE(counts.writer_fallbacks, 5U);
  EXPECT_EQ(counts.background_passes, 0U);
  EXPECT_EQ(counts.writer_finishes, 0U);
  // About one limit's worth of frames, plus the commit that crossed it.
  EXPECT_LE(wal_bytes(), (64 + 8) * kFrameBytes + 32);
  EXPECT_EQ(count_rows(writer), 500);
}

TEST_F(CheckpointerTest, AnInMemoryDatabaseKeepsSqlitesOwnCheckpoints) {
  auto db = open_database(":memory:", 1000);
  ASSERT_TRUE(db.ok());
  auto checkpointer = Checkpointer::start(db->get(), {});
  ASSERT_FALSE(checkpointer.ok());
  EXPECT_EQ(checkpointer.error().code, core::Errc::unavailable);
  EXPECT_NE(checkpointer.error().message.find("in-memory"), std::string::npos);
}

TEST_F(CheckpointerTest, ADatabaseNotInWalModeIsRefused) {
  auto db = open_database(path_, 1000);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->execute("CREATE TABLE t (x)", "table").ok());
  auto checkpointer = Checkpointer::start(db->get(), {});
  ASSERT_FALSE(checkpointer.ok());
  EXPECT_NE(checkpointer.error().message.find("not wal"), std::string::npos)
      << checkpointer.error().message;
}

// A failed sync inside a checkpoint may hide a write-back the disk lost (Linux reports it once
// per file), and a WAL that restarts after it could overwrite the only good copy of those pages:
// the process stops with status 74, as after a failed WAL sync (admin guide). The server logs to
// stderr, and so does each test's child.
class CheckpointerDeathTest : public ::testing::Test {
 protected:
  /// The child ends with _Exit, which removes nothing: it works in the parent's directory,
  /// named in the environment it inherits, and the parent removes that.
  static constexpr const char* kDirVariable = "MESSENGER_CHECKPOINTER_DEATH_TEST_DIR";

  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    if (const char* inherited = std::getenv(kDirVariable); inherited != nullptr) {
      path_ = (fs::path(inherited) / "test.db").string();
      return;
    }
    dir_.emplace();
    ASSERT_EQ(setenv(kDirVariable, dir_->path().c_str(), 1), 0);
    path_ = (dir_->path() / "test.db").string();
  }
  void TearDown() override {
    if (dir_) unsetenv(kDirVariable);
  }

  Database open_writer() { return open_writer_at(path_); }

  std::optional<testing::TempDir> dir_;  // the parent's only
  std::string path_;

  /// Commits paced as in the tests above, up to 20,000; then the child exits with status 0,
  /// which fails the test.
  [[noreturn]] static void commit_until_stopped(Database& writer) {
    for (int i = 0; i < 20'000; ++i) {
      insert_row(writer);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::_Exit(0);
  }
};

// With steps of 16 KiB the first sync that fails is a step's; a pass without steps fails at its
// own sync of the database (sync_database), with the same status and log line.
TEST_F(CheckpointerDeathTest, AFailedDatabaseSyncOfABackgroundPassStopsTheProcessWithStatus74) {
  EXPECT_EXIT(
      {
        spdlog::set_default_logger(spdlog::stderr_logger_mt("stderr"));
        Database writer = open_writer();  // on the working disk
        ::messenger::sqlite::testing::FailingDatabaseSyncVfs failing;
        const auto scope = failing.as_default();  // the checkpointer's own connection gets it
        auto checkpointer = Checkpointer::start(writer.get(), {.start_frames = 64,
                                                               .finish_frames = 16,
                                                               .writer_frames = 1'000'000'000,
                                                               .sync_step_bytes = 16 * 1024});
        if (!checkpointer.ok()) std::_Exit(1);
        commit_until_stopped(writer);
      },
      ::testing::ExitedWithCode(74), "cannot sync .*test.db during a checkpoint");
}

TEST_F(CheckpointerDeathTest, AFailedSyncOfTheWritersOwnCheckpointStopsTheProcessWithStatus74) {
  EXPECT_EXIT(
      {
        spdlog::set_default_logger(spdlog::stderr_logger_mt("stderr"));
        open_writer();  // the file, in WAL mode, before its syncs fail
        ::messenger::sqlite::testing::FailingDatabaseSyncVfs failing;
        const auto scope = failing.as_default();
        Database writer = open_writer();
        // No background pass: the writer checkpoints the whole WAL by itself, and SQLite then
        // syncs the database file.
        auto checkpointer = Checkpointer::start(
            writer.get(),
            {.start_frames = 1'000'000'000, .finish_frames = 16, .writer_frames = 64});
        if (!checkpointer.ok()) std::_Exit(1);
        commit_until_stopped(writer);
      },
      ::testing::ExitedWithCode(74), "cannot sync .*test.db during a checkpoint");
}

}  // namespace
}  // namespace messenger::storage::sqlite
