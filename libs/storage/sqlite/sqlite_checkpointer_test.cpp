#include "sqlite_checkpointer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "messenger/sqlite/database.h"

namespace messenger::storage::sqlite {
namespace {

namespace fs = std::filesystem;
using ::messenger::sqlite::Database;
using ::messenger::sqlite::open_database;
using ::messenger::sqlite::WalWrites;

constexpr int kPageSize = 4096;
/// A WAL frame: its 24-byte header and one page.
constexpr std::uintmax_t kFrameBytes = 24 + kPageSize;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "messenger-ckpt-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "test.db").string();
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  /// A writer set up as the store sets up its connection: WAL, synchronous = NORMAL, batched WAL
  /// writes, and a table of rows of about one page each.
  Database open_writer() {
    auto db = open_database(path_, 1000, WalWrites::batched);
    EXPECT_TRUE(db.ok());
    EXPECT_EQ(db->query_text("PRAGMA journal_mode = WAL", "wal").value(), "wal");
    EXPECT_TRUE(db->execute("PRAGMA synchronous = NORMAL", "sync").ok());
    EXPECT_TRUE(
        db->execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB)", "table")
            .ok());
    return std::move(db.value());
  }

  static void insert_row(Database& db) {
    auto insert = db.prepare("INSERT INTO rows (body) VALUES (randomblob(3000))", "insert");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE(insert->run().ok());
  }

  static std::int64_t count_rows(Database& db) {
    return db.query_int("SELECT count(*) FROM rows", "count").value();
  }

  [[nodiscard]] std::uintmax_t wal_bytes() const {
    std::error_code error;
    const auto size = fs::file_size(path_ + "-wal", error);
    return error ? 0 : size;
  }

  fs::path dir_;
  std::string path_;
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
  while ((*checkpointer)->counts().writer_finishes < 5 && commits < 20'000) {
    insert_row(writer);
    ++commits;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto counts = (*checkpointer)->counts();
  EXPECT_GE(counts.writer_finishes, 5U) << "after " << commits << " commits";
  EXPECT_GE(counts.background_passes, counts.writer_finishes);
  EXPECT_EQ(counts.writer_fallbacks, 0U);
  // The WAL started over at every finish instead of growing by two frames per commit.
  EXPECT_LT(wal_bytes(), static_cast<std::uintmax_t>(commits) * kFrameBytes);
  EXPECT_EQ(count_rows(writer), commits);
  checkpointer->reset();
  // Every commit is in the file after the writer closes and a new connection reads it.
  writer = open_writer();
  EXPECT_EQ(count_rows(writer), commits);
  EXPECT_EQ(writer.query_text("PRAGMA integrity_check", "check").value(), "ok");
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

}  // namespace
}  // namespace messenger::storage::sqlite
