#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "messenger/core/result.h"
#include "messenger/sqlite/database.h"

namespace messenger::storage::sqlite {

/// When the checkpoints of a writing connection run, in WAL frames (4 KiB pages). The store
/// derives the three frame limits from its `checkpoint_pages` setting (sqlite_store.cpp); every
/// caller sets them.
struct CheckpointLimits {
  /// WAL frames after which a background pass starts.
  int start_frames = 0;
  /// The background passes repeat until no more than this many frames are left for the writer,
  /// which copies them inside its commit.
  int finish_frames = 0;
  /// WAL frames after which the writer checkpoints by itself, as SQLite would: the background
  /// thread is behind or failing, and the WAL must not grow without bound.
  int writer_frames = 0;
  /// A background pass syncs the database file after every this many bytes it copies into it
  /// (WriteShaping::database_sync_step_bytes), so that the WAL syncs of the writer's commits
  /// wait behind at most this much of the pass's write-back. 0: once, at the end. The writer's
  /// own copies (its finish, its fallback) are not stepped.
  /// 256 KiB: at 25,000 msg/s a step of 1 MiB (stop 19) held a WAL sync ~2.5 ms; with this
  /// one the median p99 went from 4.92 to 3.33 ms over 22 pairs (docs/benchmarks.md, stop 20).
  std::int64_t sync_step_bytes = 256 << 10;
};

/// Takes the WAL checkpoint off the writing connection's thread.
///
/// SQLite checkpoints inside the COMMIT that crosses the limit: it copies every page of the WAL
/// into the database file and syncs that file, 10-50 ms during which no other commit runs. Here a
/// thread with a connection of its own does that copy (PASSIVE: the writer goes on committing)
/// and repeats it until only a few frames are left. The writer then copies those few after its
/// next commit, which leaves the whole WAL in the database file, so that its next transaction
/// writes the WAL from its start again. Only the writer can make that restart happen: a
/// background pass alone always finds the frames committed while it ran.
class Checkpointer {
 public:
  struct Counts {
    std::uint64_t background_passes = 0;
    /// Times the writer copied what the background passes left.
    std::uint64_t writer_finishes = 0;
    /// Times the writer checkpointed the whole WAL itself (writer_frames reached).
    std::uint64_t writer_fallbacks = 0;
    /// The WAL's length after the writer's last commit.
    int wal_frames = 0;
  };

  /// Installs itself as `writer`'s WAL hook (replacing SQLite's automatic checkpoint) and starts
  /// its thread. Errc::unavailable when the database has no WAL file (in memory) or a second
  /// connection cannot be opened; the writer then keeps SQLite's automatic checkpoint.
  static core::Result<std::unique_ptr<Checkpointer>> start(sqlite3* writer,
                                                           CheckpointLimits limits);
  /// Removes the hook and stops the thread. Call before the writer closes.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  [[nodiscard]] Counts counts() const;

 private:
  enum class Phase : int {
    idle,
    background,  // passes requested or running
    finishing,   // the passes are done; the writer's next commit copies what they left
  };

  /// What a checkpoint left: the WAL's length, and how much of it is in the database file.
  struct Copied {
    int wal_frames = 0;
    int frames = 0;
  };

  Checkpointer(sqlite3* writer, ::messenger::sqlite::Database own, std::string path,
               CheckpointLimits limits);
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void after_commit(int frames);
  /// A PASSIVE checkpoint on `db`, or nothing when it did not run. `failing` is its caller's
  /// thread's flag that keeps a lasting failure to one log line.
  std::optional<Copied> checkpoint(sqlite3* db, bool& failing);
  /// After the writer's own checkpoint: the next round waits for more frames while a reader's
  /// snapshot keeps part of the WAL from being copied.
  void schedule_after(Copied copied);
  /// Syncs the database file; a failure ends the process (status 74).
  void sync_database();
  /// Ends the process (status 74) after a failed sync of the WAL or the database file.
  [[noreturn]] void stop_after_failed_sync(int rc) const;
  void run();

  sqlite3* writer_;
  ::messenger::sqlite::Database own_;
  std::string path_;
  CheckpointLimits limits_;
  /// The WAL's length in frames after the writer's last commit.
  std::atomic<int> wal_frames_{0};
  /// The frames the background passes have copied into the database file, for the log.
  std::atomic<int> background_copied_{0};
  std::atomic<Phase> phase_{Phase::idle};
  std::atomic<std::uint64_t> background_passes_{0};
  std::atomic<std::uint64_t> writer_finishes_{0};
  std::atomic<std::uint64_t> writer_fallbacks_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  // Written under mutex_ (so that the wait cannot miss it), read between passes without it.
  std::atomic<bool> stopping_{false};
  // The writer's thread only. A reader that keeps the writer's copy from taking the whole WAL
  // moves both limits past the WAL's length (schedule_after).
  bool writer_failing_ = false;
  int start_at_frames_;              // the WAL length that asks for the next background round
  int writer_at_frames_;             // the WAL length at which the writer checkpoints by itself
  bool background_failing_ = false;  // the background thread only
  std::thread thread_;
};

}  // namespace messenger::storage::sqlite
