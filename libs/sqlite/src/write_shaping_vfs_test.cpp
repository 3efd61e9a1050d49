#include "messenger/sqlite/write_shaping_vfs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "messenger/sqlite/database.h"
#include "messenger/sqlite/testing/failing_sync_vfs.h"

namespace messenger::sqlite {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            (std::string("write_shaping_vfs_") + test->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::vector<unsigned char> on_disk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<unsigned char> filled(std::size_t size, unsigned char value) {
  return std::vector<unsigned char>(size, value);
}

/// A 24-byte WAL frame header; `commit_size` is the database size after a commit (0: not the
/// last frame of a transaction).
std::vector<unsigned char> frame_header(unsigned char page, unsigned commit_size) {
  std::vector<unsigned char> header(24, 0);
  header[3] = page;
  header[4] = static_cast<unsigned char>(commit_size >> 24);
  header[5] = static_cast<unsigned char>(commit_size >> 16);
  header[6] = static_cast<unsigned char>(commit_size >> 8);
  header[7] = static_cast<unsigned char>(commit_size);
  return header;
}

/// A WAL file opened through the VFS the way SQLite opens one (the database file must exist).
class WalFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = WriteShapingVfs::create({.batch_wal_writes = true});
    ASSERT_TRUE(made.ok()) << made.error().message;
    vfs_ = std::move(*made);
    db_path_ = dir_.file("test.db");
    wal_path_ = db_path_ + "-wal";
    std::ofstream(db_path_).close();
    vfs_object_ = sqlite3_vfs_find(vfs_->name());
    ASSERT_NE(vfs_object_, nullptr);
    storage_.assign(static_cast<std::size_t>(vfs_object_->szOsFile), std::byte{0});
    int out_flags = 0;
    ASSERT_EQ(vfs_object_->xOpen(vfs_object_, wal_path_.c_str(), file(),
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL,
                                 &out_flags),
              SQLITE_OK);
    open_ = true;
  }
  void TearDown() override {
    if (open_) {
      EXPECT_EQ(file()->pMethods->xClose(file()), SQLITE_OK);
    }
  }

  sqlite3_file* file() { return reinterpret_cast<sqlite3_file*>(storage_.data()); }
  int write(const std::vector<unsigned char>& bytes, sqlite3_int64 offset) {
    return file()->pMethods->xWrite(file(), bytes.data(), static_cast<int>(bytes.size()), offset);
  }
  std::vector<unsigned char> read(int size, sqlite3_int64 offset) {
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    EXPECT_EQ(file()->pMethods->xRead(file(), bytes.data(), size, offset), SQLITE_OK);
    return bytes;
  }

  TempDir dir_;
  std::unique_ptr<WriteShapingVfs> vfs_;
  sqlite3_vfs* vfs_object_ = nullptr;
  std::string db_path_;
  std::string wal_path_;
  std::vector<std::byte> storage_;
  bool open_ = false;
};

TEST_F(WalFileTest, WritesStayBufferedUntilSyncThenGoOutAsOneWrite) {
  ASSERT_EQ(write(filled(32, 0xAA), 0), SQLITE_OK);
  ASSERT_EQ(write(frame_header(2, 0), 32), SQLITE_OK);
  ASSERT_EQ(write(filled(512, 0xBB), 56), SQLITE_OK);
  EXPECT_TRUE(on_disk(wal_path_).empty());
  EXPECT_EQ(vfs_->wal_writes(), 0U);

  ASSERT_EQ(file()->pMethods->xSync(file(), SQLITE_SYNC_NORMAL), SQLITE_OK);
  const auto disk = on_disk(wal_path_);
  ASSERT_EQ(disk.size(), 32U + 24U + 512U);
  EXPECT_EQ(disk[0], 0xAA);
  EXPECT_EQ(disk[35], 2);
  EXPECT_EQ(disk[56], 0xBB);
  EXPECT_EQ(vfs_->wal_writes(), 1U);
}

TEST_F(WalFileTest, ReadOfABufferedRegionSeesTheBufferedBytes) {
  ASSERT_EQ(write(frame_header(7, 0), 32), SQLITE_OK);
  ASSERT_EQ(write(filled(512, 0xCC), 56), SQLITE_OK);
  EXPECT_EQ(read(24, 32), frame_header(7, 0));
  EXPECT_EQ(read(512, 56), filled(512, 0xCC));
  // An overwrite inside the buffered range (SQLite rewrites a frame it wrote in the same
  // transaction) is read back too.
  ASSERT_EQ(write(filled(512, 0xDD), 56), SQLITE_OK);
  EXPECT_EQ(read(512, 56), filled(512, 0xDD));
  sqlite3_int64 size = 0;
  ASSERT_EQ(file()->pMethods->xFileSize(file(), &size), SQLITE_OK);
  EXPECT_EQ(size, 32 + 24 + 512);
}

TEST_F(WalFileTest, CommitFrameGoesToTheFileAtOnceWithoutASync) {
  ASSERT_EQ(write(frame_header(2, 0), 32), SQLITE_OK);
  ASSERT_EQ(write(filled(512, 0x11), 56), SQLITE_OK);
  ASSERT_EQ(write(frame_header(3, 5), 568), SQLITE_OK);
  EXPECT_TRUE(on_disk(wal_path_).empty()) << "the commit frame's page is not written yet";
  ASSERT_EQ(write(filled(512, 0x22), 592), SQLITE_OK);
  const auto disk = on_disk(wal_path_);
  ASSERT_EQ(disk.size(), 592U + 512U);
  EXPECT_EQ(disk[56], 0x11);
  EXPECT_EQ(disk[575], 5);
  EXPECT_EQ(disk[592], 0x22);
  EXPECT_EQ(vfs_->wal_writes(), 1U);
}

TEST_F(WalFileTest, WriteAwayFromTheBufferWritesTheBufferFirst) {
  ASSERT_EQ(write(filled(100, 0x01), 1000), SQLITE_OK);
  ASSERT_EQ(write(filled(100, 0x02), 0), SQLITE_OK);
  EXPECT_EQ(vfs_->wal_writes(), 1U);
  ASSERT_EQ(file()->pMethods->xSync(file(), SQLITE_SYNC_NORMAL), SQLITE_OK);
  const auto disk = on_disk(wal_path_);
  ASSERT_EQ(disk.size(), 1100U);
  EXPECT_EQ(disk[0], 0x02);
  EXPECT_EQ(disk[1000], 0x01);
  EXPECT_EQ(vfs_->wal_writes(), 2U);
}

TEST_F(WalFileTest, ABufferPastTheDefaultVfsWriteLimitGoesOutWhole) {
  // 32 frames of 4 KiB pages: 131,840 bytes, more than the default VFS writes in one call.
  std::vector<unsigned char> expected;
  for (unsigned char page = 1; page <= 32; ++page) {
    const auto header = frame_header(page, page == 32 ? 40 : 0);
    const auto body = filled(4096, page);
    ASSERT_EQ(write(header, static_cast<sqlite3_int64>(expected.size())), SQLITE_OK);
    expected.insert(expected.end(), header.begin(), header.end());
    ASSERT_EQ(write(body, static_cast<sqlite3_int64>(expected.size())), SQLITE_OK);
    expected.insert(expected.end(), body.begin(), body.end());
  }
  EXPECT_EQ(on_disk(wal_path_), expected);
  EXPECT_EQ(vfs_->wal_writes(), 2U);
}

TEST_F(WalFileTest, CloseWritesWhatIsBuffered) {
  ASSERT_EQ(write(filled(64, 0x33), 0), SQLITE_OK);
  ASSERT_EQ(file()->pMethods->xClose(file()), SQLITE_OK);
  open_ = false;
  EXPECT_EQ(on_disk(wal_path_), filled(64, 0x33));
}

TEST_F(WalFileTest, TruncateWritesTheBufferFirst) {
  ASSERT_EQ(write(filled(64, 0x44), 0), SQLITE_OK);
  ASSERT_EQ(file()->pMethods->xTruncate(file(), 16), SQLITE_OK);
  EXPECT_EQ(on_disk(wal_path_), filled(16, 0x44));
}

/// Opens `path` in WAL mode through `vfs` (a VFS name; nullptr: the default).
Database open_wal(const std::string& path, const char* vfs, const std::string& synchronous) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
  Database db{DatabaseHandle(raw)};
  EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errstr(rc);
  auto mode = db.query_text("PRAGMA journal_mode = WAL", "wal");
  EXPECT_TRUE(mode.ok() && *mode == "wal");
  EXPECT_TRUE(db.execute("PRAGMA synchronous = " + synchronous, "synchronous").ok());
  return db;
}

std::int64_t count_rows(Database& db) {
  auto count = db.query_int("SELECT count(*) FROM t", "count");
  EXPECT_TRUE(count.ok()) << count.error().message;
  return count.ok() ? *count : -1;
}

class WalBatchingDatabaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WalBatchingDatabaseTest, EveryCommitIsSeenByAnotherConnectionAndAfterReopening) {
  TempDir dir;
  const auto path = dir.file("db.sqlite");
  constexpr int kCommits = 300;
  auto vfs = WriteShapingVfs::create({.batch_wal_writes = true});
  ASSERT_TRUE(vfs.ok()) << vfs.error().message;
  std::uint64_t writes_before = 0;
  {
    Database writer = open_wal(path, (*vfs)->name(), GetParam());
    ASSERT_TRUE(writer
                    .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
                             "; CREATE INDEX t_body ON t (body)",
                             "schema")
                    .ok());
    // A plain connection (default VFS) in the same process reads the WAL by itself, as
    // `sqlite3 .backup` does from another process: it must find every commit at once, also
    // with synchronous = NORMAL, where no sync pushes the bytes out.
    Database reader = open_wal(path, nullptr, GetParam());
    writes_before = (*vfs)->wal_writes();
    for (int i = 1; i <= kCommits; ++i) {
      ASSERT_TRUE(writer.execute("BEGIN IMMEDIATE", "begin").ok());
      auto insert = writer.prepare("INSERT INTO t (body) VALUES (?)", "insert");
      ASSERT_TRUE(insert.ok());
      insert->bind(std::string(200, static_cast<char>('a' + i % 26)) + std::to_string(i));
      ASSERT_TRUE(insert->run().ok());
      ASSERT_TRUE(writer.execute("COMMIT", "commit").ok());
      if (i % 50 == 0) {
        ASSERT_EQ(count_rows(reader), i);
      }
    }
    EXPECT_EQ(count_rows(reader), kCommits);
    // One write per commit (plus one per WAL restart, whose header is synced on its own with
    // synchronous = FULL), where SQLite alone makes two per page.
    const auto writes = (*vfs)->wal_writes() - writes_before;
    EXPECT_GE(writes, static_cast<std::uint64_t>(kCommits));
    EXPECT_LE(writes, static_cast<std::uint64_t>(kCommits) + 5);
  }
  Database reopened = open_wal(path, nullptr, GetParam());
  EXPECT_EQ(count_rows(reopened), kCommits);
  auto check = reopened.query_text("PRAGMA integrity_check", "integrity check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

std::string synchronous_name(const ::testing::TestParamInfo<std::string>& param_info) {
  return param_info.param;
}

INSTANTIATE_TEST_SUITE_P(Synchronous, WalBatchingDatabaseTest,
                         ::testing::Values(std::string("full"), std::string("normal")),
                         synchronous_name);

TEST(WriteShapingVfs, ADatabaseOpenedWithBatchedWritesKeepsItsVfsWhenMoved) {
  TempDir dir;
  const auto path = dir.file("moved.db");
  {
    auto opened = open_database(path, 5000, {.batch_wal_writes = true});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    Database db = std::move(*opened);
    ASSERT_TRUE(db.query_text("PRAGMA journal_mode = WAL", "wal").ok());
    ASSERT_TRUE(db.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)", "fill").ok());
  }
  Database reopened = open_wal(path, nullptr, "full");
  EXPECT_EQ(count_rows(reopened), 2);
}

TEST(WriteShapingVfs, ALargeTransactionIsCommittedWhole) {
  TempDir dir;
  const auto path = dir.file("large.db");
  for (const char* synchronous : {"full", "normal"}) {
    {
      auto opened = open_database(path, 5000, {.batch_wal_writes = true});
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      ASSERT_TRUE(opened->query_text("PRAGMA journal_mode = WAL", "wal").ok());
      ASSERT_TRUE(
          opened->execute(std::string("PRAGMA synchronous = ") + synchronous, "synchronous").ok());
      // About 1.2 MB of rows and index entries in one commit, and more than the page cache
      // (2 MiB by default) holds after several of them: spills and chunked writes.
      ASSERT_TRUE(opened
                      ->execute("CREATE TABLE IF NOT EXISTS t (body TEXT NOT NULL);"
                                " CREATE INDEX IF NOT EXISTS t_body ON t (body);"
                                " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                                " WHERE i < 2000) INSERT INTO t SELECT printf('%.300c%d', 'x', i)"
                                " || hex(randomblob(8)) FROM n",
                                "fill")
                      .ok());
    }
    Database reopened = open_wal(path, nullptr, "full");
    auto check = reopened.query_text("PRAGMA integrity_check", "integrity check");
    ASSERT_TRUE(check.ok());
    EXPECT_EQ(*check, "ok");
  }
  Database reopened = open_wal(path, nullptr, "full");
  EXPECT_EQ(count_rows(reopened), 4000);
}

/// A connection through the default VFS that wrote `rows` rows of ~200 bytes, indexed, with
/// automatic checkpoints off: they are all in the WAL still.
Database writer_with_rows_in_the_wal(const std::string& path, int rows) {
  Database writer = open_wal(path, nullptr, "normal");
  EXPECT_TRUE(writer.execute("PRAGMA wal_autocheckpoint = 0", "no automatic checkpoint").ok());
  EXPECT_TRUE(writer
                  .execute("CREATE TABLE t (body TEXT NOT NULL); CREATE INDEX t_body ON t (body);"
                           " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                           " WHERE i < " +
                               std::to_string(rows) +
                               ") INSERT INTO t SELECT printf('%.200c%d', 'x', i) FROM n",
                           "fill")
                  .ok());
  return writer;
}

TEST(WriteShapingVfs, ACheckpointSyncedInStepsSyncsEveryStepAndLosesNothing) {
  TempDir dir;
  const auto path = dir.file("stepped.db");
  constexpr std::int64_t kStep = 64 * 1024;
  constexpr int kRows = 3000;
  // About 1.3 MB of rows and index entries, all in the WAL: the checkpoint below copies them.
  Database writer = writer_with_rows_in_the_wal(path, kRows);
  auto vfs = WriteShapingVfs::create({.database_sync_step_bytes = kStep});
  ASSERT_TRUE(vfs.ok()) << vfs.error().message;
  {
    // As the server's checkpointer does: a connection of its own, through a VFS that syncs in
    // steps, which reads the WAL index through the forwarded shared-memory methods.
    Database checkpointer = open_wal(path, (*vfs)->name(), "full");
    int log = 0;
    int copied = 0;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(checkpointer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                        &log, &copied),
              SQLITE_OK);
    EXPECT_GT(log, 0);
    EXPECT_EQ(copied, log);
  }
  const auto database_bytes = static_cast<std::int64_t>(fs::file_size(path));
  EXPECT_GT(database_bytes, 1'000'000);
  // One sync per step of the pages written, each of which is in the file by now.
  EXPECT_GE(static_cast<std::int64_t>((*vfs)->step_syncs()), database_bytes / kStep - 1);
  EXPECT_EQ((*vfs)->wal_writes(), 0U);
  EXPECT_EQ(count_rows(writer), kRows);
  Database reopened = open_wal(path, nullptr, "full");
  EXPECT_EQ(count_rows(reopened), kRows);
  auto check = reopened.query_text("PRAGMA integrity_check", "integrity check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

TEST(WriteShapingVfs, AFailedStepSyncFailsTheCheckpointWhichCopiesEverythingAgainLater) {
  TempDir dir;
  const auto path = dir.file("failing.db");
  Database writer = writer_with_rows_in_the_wal(path, 1000);
  ::messenger::sqlite::testing::FailingDatabaseSyncVfs failing;
  auto vfs = failing.shaped({.database_sync_step_bytes = 16 * 1024});
  ASSERT_TRUE(vfs.ok()) << vfs.error().message;
  {
    Database checkpointer = open_wal(path, (*vfs)->name(), "normal");
    sqlite3_extended_result_codes(checkpointer.get(), 1);  // as open_database sets it
    int log = 0;
    int copied = 0;
    EXPECT_EQ(sqlite3_wal_checkpoint_v2(checkpointer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                        &log, &copied),
              SQLITE_IOERR_FSYNC);
  }
  // The first step's sync failed, and the checkpoint with it: none of its pages count as copied,
  // so a checkpoint that works copies the whole WAL.
  EXPECT_EQ((*vfs)->step_syncs(), 1U);
  int log = 0;
  int copied = 0;
  ASSERT_EQ(
      sqlite3_wal_checkpoint_v2(writer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
      SQLITE_OK);
  EXPECT_GT(log, 0);
  EXPECT_EQ(copied, log);
  EXPECT_EQ(count_rows(writer), 1000);
}

TEST(WriteShapingVfs, EachObjectRegistersItsOwnVfsAndNoneIsTheDefault) {
  sqlite3_vfs* before = sqlite3_vfs_find(nullptr);
  auto first = WriteShapingVfs::create({.batch_wal_writes = true});
  auto second = WriteShapingVfs::create({.batch_wal_writes = true});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_STRNE((*first)->name(), (*second)->name());
  EXPECT_EQ(sqlite3_vfs_find(nullptr), before);
  const std::string name = (*first)->name();
  first->reset();
  EXPECT_EQ(sqlite3_vfs_find(name.c_str()), nullptr);
}

}  // namespace
}  // namespace messenger::sqlite
