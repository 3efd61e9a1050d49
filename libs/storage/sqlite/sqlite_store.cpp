#include "messenger/storage/sqlite_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <system_error>

#include "sqlite_migrations.h"
#include "sqlite_store_impl.h"
#include "sqlite_wal_syncer.h"

namespace messenger::storage {
namespace {

using core::Errc;
using core::make_error;
using sqlite::Database;

// Below 16 pages every few commits would checkpoint; above ~1 GiB of WAL (four times this at the
// writer's own limit) a crash's recovery reads for minutes.
constexpr int kMinCheckpointPages = 16;
constexpr int kMaxCheckpointPages = 65'536;
/// The writer checkpoints by itself, and the -wal file is cut back to, this many intervals.
constexpr int kWriterLimitIntervals = 4;
/// At most this many frames are left for the writer to copy at the end of a round, inside its
/// commit: ~1.5 ms at 25,000 msg/s, where 200 took ~2.1 ms. Not a share of the interval, or a
/// longer interval makes every round's finish longer (docs/benchmarks.md, stop 19).
constexpr int kMaxFinishFrames = 100;
constexpr std::int64_t kPageBytes = 4096;  // SQLite's default page size, which the store keeps

core::Status check_directory(const std::string& path) {
  if (path.empty()) return make_error(Errc::unavailable, "sqlite: no database path configured");
  if (path == ":memory:") return core::Ok{};
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return core::Ok{};
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec)) {
    return make_error(Errc::unavailable,
                      fmt::format("sqlite: cannot open database {}: directory {} does not exist",
                                  path, parent.string()));
  }
  return core::Ok{};
}

/// Refuses, before anything is written, a file that a newer server has migrated.
core::Status check_version(Database& db, const std::string& path) {
  auto version = db.query_int("PRAGMA user_version", "read schema version");
  if (!version.ok()) {
    return make_error(Errc::unavailable, fmt::format("sqlite: cannot read database {}: {}", path,
                                                     version.error().message));
  }
  const int latest = sqlite::latest_schema_version();
  if (*version > latest) {
    return make_error(
        Errc::unavailable,
        fmt::format("sqlite: database {} has schema version {}, but this server knows only up to "
                    "version {}; it was written by a newer server. Run that version, or restore "
                    "a backup. The file was not modified.",
                    path, *version, latest));
  }
  return core::Ok{};
}

core::Status configure(Database& db, const SqliteOptions& options) {
  auto mode = db.query_text("PRAGMA journal_mode = WAL", "switch to WAL journal mode");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal" && options.path != ":memory:") {
    return make_error(Errc::unavailable,
                      fmt::format("sqlite: database {} cannot use WAL journal mode (got {})",
                                  options.path, *mode));
  }
  MESSENGER_TRY(
      db.execute(fmt::format("PRAGMA synchronous = {}", options.synchronous), "set synchronous"));
  // A group commit of ~1,000 messages dirties a few hundred pages spread over the table, its two
  // indexes and the conversation rows. With SQLite's defaults (a 2 MiB page cache, a checkpoint
  // every 1,000 WAL pages) those pages were read back from the file at every batch and copied into
  // the database every second commit, on the service thread, which capped 1:1 chat at ~11,000 msg/s
  // (docs/storage.md, "Page cache and checkpoints").
  MESSENGER_TRY(
      db.execute(fmt::format("PRAGMA cache_size = -{}", std::int64_t{options.cache_mib} * 1024),
                 "size the page cache"));
  // SQLite's own checkpoint, for when the checkpointer cannot start. Setting it once the
  // checkpointer runs would replace the checkpointer's WAL hook.
  MESSENGER_TRY(db.execute(fmt::format("PRAGMA wal_autocheckpoint = {}", options.checkpoint_pages),
                           "set the checkpoint interval"));
  // SQLite keeps the -wal file at its longest and rewrites it from the start. After a reader held
  // checkpoints back (an online backup), that can be far more than a round needs: the first commit
  // after the WAL starts over cuts it to the writer's own limit (one ftruncate per round, and only
  // then).
  MESSENGER_TRY(
      db.execute(fmt::format("PRAGMA journal_size_limit = {}",
                             kWriterLimitIntervals * options.checkpoint_pages * kPageBytes),
                 "limit the WAL file's length"));
  return db.execute("PRAGMA foreign_keys = ON", "enable foreign keys");
}

}  // namespace

core::Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (options.synchronous != "full" && options.synchronous != "normal") {
    return make_error(Errc::bad_request,
                      fmt::format("sqlite: synchronous must be \"full\" or \"normal\", not \"{}\"",
                                  options.synchronous));
  }
  if (options.cache_mib < 1) {
    return make_error(
        Errc::bad_request,
        fmt::format("sqlite: the page cache must be at least 1 MiB, not {}", options.cache_mib));
  }
  if (options.checkpoint_pages < kMinCheckpointPages ||
      options.checkpoint_pages > kMaxCheckpointPages) {
    return make_error(
        Errc::bad_request,
        fmt::format("sqlite: checkpoint_pages must be {} to {}, not {}", kMinCheckpointPages,
                    kMaxCheckpointPages, options.checkpoint_pages));
  }
  MESSENGER_TRY(check_directory(options.path));
  // Batched WAL writes: one pwrite per commit instead of two per page (docs/storage.md).
  auto db = ::messenger::sqlite::open_database(options.path, options.busy_timeout_ms,
                                               {.batch_wal_writes = true});
  if (!db.ok()) return db.error();
  MESSENGER_TRY(check_version(*db, options.path));
  MESSENGER_TRY(configure(*db, options));
  MESSENGER_TRY(sqlite::migrate(*db));
  std::unique_ptr<sqlite::Checkpointer> checkpointer;
  if (options.path != ":memory:") {
    auto started = sqlite::Checkpointer::start(
        db->get(), {.start_frames = options.checkpoint_pages,
                    .finish_frames = std::clamp(options.checkpoint_pages / 50, 1, kMaxFinishFrames),
                    .writer_frames = kWriterLimitIntervals * options.checkpoint_pages});
    if (started.ok()) {
      checkpointer = std::move(started.value());
    } else {
      spdlog::warn("storage: checkpoints stay inside commits: {}", started.error().message);
    }
  }
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(
      std::move(*db), options.synchronous == "full", std::move(checkpointer)));
}

namespace sqlite {

Status SqliteStore::begin() {
  auto stmt = db_.prepare("BEGIN IMMEDIATE", "begin transaction");
  if (!stmt.ok()) return stmt.error();
  return stmt->run();
}

Status SqliteStore::commit() {
  auto stmt = db_.prepare("COMMIT", "commit transaction");
  if (!stmt.ok()) return stmt.error();
  return stmt->run();
}

std::unique_ptr<Syncer> SqliteStore::defer_sync() {
  if (!commits_sync_) return nullptr;
  auto syncer = open_wal_syncer(db_.get());
  // Only once the syncer exists: without it nothing would make these commits durable.
  const Status relaxed =
      syncer.ok() ? db_.execute("PRAGMA synchronous = NORMAL", "stop syncing each commit")
                  : Status(syncer.error());
  if (!relaxed.ok()) {
    spdlog::warn("storage: commits keep waiting for the disk: {}", relaxed.error().message);
    return nullptr;
  }
  return std::move(syncer.value());
}

std::vector<StoreCounter> SqliteStore::counters() const {
  if (!checkpointer_) return {};
  const auto counts = checkpointer_->counts();
  return {
      {"messenger_sqlite_checkpoint_passes_total",
       "WAL checkpoint passes run by the background thread.", counts.background_passes},
      {"messenger_sqlite_checkpoint_rounds_total",
       "Checkpoint rounds the writer finished by copying what the background passes left.",
       counts.writer_finishes},
      {"messenger_sqlite_checkpoint_writer_fallbacks_total",
       "Checkpoints the writer ran by itself because the WAL reached its limit.",
       counts.writer_fallbacks},
      {"messenger_sqlite_wal_frames", "Frames in the WAL since it last started over.",
       static_cast<std::uint64_t>(counts.wal_frames), true},
  };
}

void SqliteStore::rollback() {
  if (!db_.in_transaction()) return;
  if (auto stmt = db_.prepare("ROLLBACK", "rollback transaction"); stmt.ok()) {
    (void)stmt->run();
  }
}

Result<std::int64_t> SqliteStore::count(std::string_view sql, std::string_view what,
                                        std::int64_t key) {
  auto stmt = db_.prepare(sql, what);
  if (!stmt.ok()) return stmt.error();
  stmt->bind(key);
  auto value = stmt->one([](const Statement& row) { return row.int64(0); });
  if (!value.ok()) return value.error();
  return value->value_or(0);
}

std::string contains_pattern(std::string_view text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

}  // namespace sqlite
}  // namespace messenger::storage
