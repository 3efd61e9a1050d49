#include "sqlite_checkpointer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <utility>

#include "checkpoint_round.h"

namespace messenger::storage::sqlite {
namespace {

using core::Errc;
using core::make_error;

/// Background passes per request. Each copies what was committed during the one before: at
/// 25,000 msg/s an interval's frames take four to ten passes to come down to finish_frames.
constexpr int kMaxPassesPerRequest = 16;

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

core::Result<std::unique_ptr<Checkpointer>> Checkpointer::start(sqlite3* writer,
                                                                CheckpointLimits limits) {
  const char* name = sqlite3_db_filename(writer, "main");
  if (name == nullptr || *name == '\0') {
    return make_error(Errc::unavailable, "sqlite: an in-memory database has no WAL to checkpoint");
  }
  // Its own connection: a checkpoint holds the connection it runs on for its whole length. Its
  // WAL writes need no batching, since it only reads the WAL; its writes to the database file
  // are synced in steps. At synchronous = FULL, set here rather than left to the library's
  // build, a checkpoint syncs the WAL before copying from it.
  auto own = ::messenger::sqlite::open_database(
      name, 0, {.database_sync_step_bytes = limits.sync_step_bytes});
  if (!own.ok()) return own.error();
  MESSENGER_TRY(own->execute("PRAGMA synchronous = FULL", "set synchronous"));
  // A connection knows the file is in WAL mode only once it has read it; until then every
  // checkpoint on it is a no-op that reports success.
  auto mode = own->query_text("PRAGMA journal_mode", "read the journal mode");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal") {
    return make_error(Errc::unavailable,
                      fmt::format("sqlite: {} is in journal mode {}, not wal", name, *mode));
  }
  auto checkpointer =
      std::unique_ptr<Checkpointer>(new Checkpointer(writer, std::move(own.value()), name, limits));
  sqlite3_wal_hook(writer, &Checkpointer::on_commit, checkpointer.get());
  checkpointer->thread_ = std::thread([self = checkpointer.get()] { self->run(); });
  return checkpointer;
}

Checkpointer::Checkpointer(sqlite3* writer, ::messenger::sqlite::Database own, std::string path,
                           CheckpointLimits limits)
    : writer_(writer),
      own_(std::move(own)),
      path_(std::move(path)),
      limits_(limits),
      start_at_frames_(limits.start_frames),
      writer_at_frames_(limits.writer_frames) {}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Checkpointer::Counts Checkpointer::counts() const {
  return {.background_passes = background_passes_.load(std::memory_order_relaxed),
          .writer_finishes = writer_finishes_.load(std::memory_order_relaxed),
          .writer_fallbacks = writer_fallbacks_.load(std::memory_order_relaxed),
          .wal_frames = wal_frames_.load(std::memory_order_relaxed)};
}

int Checkpointer::on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  static_cast<Checkpointer*>(self)->after_commit(frames);
  return SQLITE_OK;  // a checkpoint that could not run is not the commit's error
}

void Checkpointer::after_commit(int frames) {
  wal_frames_.store(frames, std::memory_order_relaxed);
  const Phase phase = phase_.load(std::memory_order_acquire);
  if (phase == Phase::finishing) {
    // The background thread is waiting for this; its connection is idle, so nothing competes.
    const auto started = std::chrono::steady_clock::now();
    if (const auto copied = checkpoint(writer_, writer_failing_)) {
      writer_finishes_.fetch_add(1, std::memory_order_relaxed);
      schedule_after(*copied);
      spdlog::debug("storage.checkpoint_finished frames={} left={} ms={:.1f}", frames,
                    frames - background_copied_.load(std::memory_order_relaxed),
                    milliseconds_since(started));
    }
    phase_.store(Phase::idle, std::memory_order_release);
    return;
  }
  if (frames >= writer_at_frames_) {
    // Busy when a background pass holds the checkpoint; then it is retried at the next commit.
    if (const auto copied = checkpoint(writer_, writer_failing_)) {
      writer_fallbacks_.fetch_add(1, std::memory_order_relaxed);
      schedule_after(*copied);
    }
    return;
  }
  if (phase == Phase::idle && frames >= start_at_frames_) {
    {
      const std::lock_guard lock(mutex_);
      phase_.store(Phase::background, std::memory_order_release);
    }
    wake_.notify_one();
  }
}

void Checkpointer::schedule_after(Copied copied) {
  // Held back by a reader after the previous round: its limits were moved past the WAL's length.
  const bool was_pinned = start_at_frames_ != limits_.start_frames;
  if (copied.frames >= copied.wal_frames) {
    // All of it is in the database file: the next transaction writes the WAL from its start.
    start_at_frames_ = limits_.start_frames;
    writer_at_frames_ = limits_.writer_frames;
    if (was_pinned) spdlog::info("storage: the WAL of {} is copied again; it starts over", path_);
    return;
  }
  // A reader (a backup, say) still reads from frames that are not yet copied, and no checkpoint
  // can go past the snapshot it started with, nor the WAL start over, until it ends. Asking again
  // at the next commit would copy nothing, as SQLite's own checkpoint does at every commit then:
  // wait until another round's worth of frames has come. The writer's own limit moves as far,
  // so that the background thread, not the writer, copies what the reader held back once it
  // ends.
  start_at_frames_ = copied.wal_frames + limits_.start_frames;
  writer_at_frames_ = copied.wal_frames + limits_.writer_frames;
  if (!was_pinned) {
    spdlog::info(
        "storage: a reader keeps {} of {} WAL frames of {} from the database file; the WAL "
        "grows until it ends",
        copied.wal_frames - copied.frames, copied.wal_frames, path_);
  }
}

std::optional<Checkpointer::Copied> Checkpointer::checkpoint(sqlite3* db, bool& failing) {
  int log = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc == SQLITE_OK) {
    failing = false;
    return Copied{.wal_frames = log, .frames = copied};
  }
  // A sync inside the checkpoint failed: the WAL's before the copy, a step of the background
  // pass's write-back, or SQLite's own of the database. Linux reports a lost write-back once
  // per file, so the lost pages may be ones an earlier checkpoint already counts as copied
  // (SQLite syncs the database only when a checkpoint reaches the WAL's end).
  if (rc == SQLITE_IOERR_FSYNC) stop_after_failed_sync(rc);
  // Busy: another checkpoint holds the WAL; the next commit retries. Any other failure is
  // retried as well, and logged once until a checkpoint succeeds again: the WAL only grows
  // meanwhile, and a disk that cannot be written fails the commits too, where the server
  // reports it.
  if ((rc & 0xff) != SQLITE_BUSY && !failing) {
    spdlog::warn("storage: cannot checkpoint the WAL of {}: {}", path_, sqlite3_errstr(rc));
    failing = true;
  }
  return std::nullopt;
}

void Checkpointer::sync_database() {
  // Through SQLite's own handle: closing a descriptor of our own would drop every POSIX lock this
  // process holds on the file, the writer's among them.
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(own_.get(), "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc == SQLITE_OK && file != nullptr && file->pMethods != nullptr) {
    rc = file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
  } else if (rc == SQLITE_OK) {
    rc = SQLITE_IOERR_FSYNC;
  }
  if (rc == SQLITE_OK) return;
  // The pages this pass copied count as copied and are never copied again.
  stop_after_failed_sync(rc);
}

void Checkpointer::stop_after_failed_sync(int rc) const {
  // Linux reports a lost write-back only once: carrying on could let the WAL restart over pages
  // the disk never took. Stop, as after a failed sync of the WAL (exit status 74).
  spdlog::critical("storage: cannot sync {} during a checkpoint: {}; stopping", path_,
                   sqlite3_errstr(rc));
  spdlog::default_logger()->flush();
  std::_Exit(74);
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] {
      return stopping_ || phase_.load(std::memory_order_acquire) == Phase::background;
    });
    if (stopping_) return;
    lock.unlock();
    // Each pass copies what was committed during the one before, and syncs it: SQLite syncs the
    // database file only in the pass that copies the whole WAL, the writer's, which should then
    // have only the last few pages to sync.
    const auto started = std::chrono::steady_clock::now();
    int left = -1;
    int passes = 0;
    CheckpointRound round(limits_.finish_frames);
    while (passes < kMaxPassesPerRequest && !stopping_.load(std::memory_order_relaxed)) {
      ++passes;
      const auto copied = checkpoint(own_.get(), background_failing_);
      background_passes_.fetch_add(1, std::memory_order_relaxed);
      if (!copied) {
        left = -1;
        break;
      }
      sync_database();
      background_copied_.store(copied->frames, std::memory_order_relaxed);
      // Zero when the writer's own fallback restarted the WAL meanwhile.
      left = std::max(0, wal_frames_.load(std::memory_order_relaxed) - copied->frames);
      if (round.ends_after(copied->frames, left)) break;
    }
    spdlog::debug("storage.checkpoint_passes passes={} copied={} left={} ms={:.1f}", passes,
                  background_copied_.load(std::memory_order_relaxed), left,
                  milliseconds_since(started));
    // A failed pass: back to idle, and the writer's next commit asks again. Otherwise the writer
    // copies what is left, about finish_frames unless the commits outpaced the passes.
    phase_.store(left < 0 ? Phase::idle : Phase::finishing, std::memory_order_release);
    lock.lock();
  }
}

}  // namespace messenger::storage::sqlite
