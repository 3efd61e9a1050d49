#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "messenger/core/result.h"
#include "messenger/sqlite/handles.h"

namespace messenger::sqlite {

/// How a WriteShapingVfs changes the way SQLite's writes reach the disk. The default changes
/// nothing.
struct WriteShaping {
  /// Gather the writes of a WAL file and issue them as one write. SQLite writes each WAL frame
  /// as two writes (its 24-byte header, then the page), so a commit of N pages costs 2N `pwrite`
  /// calls; batched, it costs one per 124 KiB (the default VFS writes less than 128 KiB per
  /// call).
  bool batch_wal_writes = false;
  /// When not zero, a main database file is synced after every this many bytes written to it,
  /// before the next write goes on. A checkpoint copies thousands of pages into the database
  /// file and syncs it once at the end; on one disk that sync writes them all back in one burst,
  /// and every WAL sync issued meanwhile (each commit's durability) waits behind the burst.
  /// Synced in steps, the burst is at most one step long. A failed step sync fails the write
  /// that made the step (SQLITE_IOERR_FSYNC).
  std::int64_t database_sync_step_bytes = 0;
};

/// A VFS over SQLite's default one that shapes how the files of its connections are written
/// (WriteShaping); any file it has nothing to change for goes straight to the default VFS.
///
/// Batched WAL bytes reach the file, in one write, before anything that could observe them or
/// depends on them being there:
/// - the write that completes a commit frame (a frame header whose "database size after commit"
///   is not zero): so a commit is in the file, for other processes too (`sqlite3 .backup`),
///   before SQLite publishes it in the WAL index, whatever the `synchronous` level;
/// - `xSync` (a sync never returns before the bytes are written), `xRead` of any buffered
///   region, `xFileSize`, `xTruncate`, `xClose`;
/// - a write that is not contiguous with the buffer, or a buffer past `kMaxBufferedBytes`.
/// Between two syncs the order in which the OS writes pages back is unspecified anyway, so one
/// write instead of many weakens no crash guarantee SQLite relies on. The extra syncs of a
/// database file synced in steps only make its pages durable earlier than SQLite asked for, which
/// no crash guarantee depends on either: until SQLite's own sync, a checkpoint's pages are also in
/// the WAL.
///
/// Each object registers its own VFS under a unique name (never as the default) for the
/// connections opened with `name()`, and unregisters it when destroyed: it must outlive them.
class WriteShapingVfs {
 public:
  /// A buffer that grows past this is written out at once (a huge transaction spills pages).
  static constexpr std::int64_t kMaxBufferedBytes = 4 << 20;

  /// Registers a new VFS over the current default one. Errc::unavailable if SQLite refuses.
  static core::Result<std::unique_ptr<WriteShapingVfs>> create(WriteShaping shaping);

  WriteShapingVfs(const WriteShapingVfs&) = delete;
  WriteShapingVfs& operator=(const WriteShapingVfs&) = delete;
  ~WriteShapingVfs();

  /// The name to pass to `sqlite3_open_v2`.
  [[nodiscard]] const char* name() const { return name_.c_str(); }
  /// Writes issued to WAL files so far (after batching, one per chunk), for tests and
  /// measurements.
  [[nodiscard]] std::uint64_t wal_writes() const { return wal_writes_; }
  /// Step syncs of database files (not SQLite's own), for tests and measurements.
  [[nodiscard]] std::uint64_t step_syncs() const { return step_syncs_; }

  // The file methods' access to their VFS (not for callers).
  sqlite3_vfs* base() const { return base_; }
  [[nodiscard]] const WriteShaping& shaping() const { return shaping_; }
  void count_wal_write() { ++wal_writes_; }
  void count_step_sync() { ++step_syncs_; }

 private:
  explicit WriteShapingVfs(WriteShaping shaping) : shaping_(shaping) {}

  WriteShaping shaping_;
  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  std::string name_;
  std::uint64_t wal_writes_ = 0;
  std::uint64_t step_syncs_ = 0;
};

}  // namespace messenger::sqlite
