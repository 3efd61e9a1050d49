#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "messenger/core/result.h"
#include "messenger/sqlite/handles.h"

namespace messenger::sqlite {

/// A VFS over SQLite's default one that gathers the writes of a WAL file and issues them as one
/// write. SQLite writes each WAL frame as two writes (its 24-byte header, then the page), so a
/// commit of N pages costs 2N `pwrite` calls; through this VFS it costs one per 124 KiB (the
/// default VFS writes less than 128 KiB per call).
///
/// Buffered bytes reach the file, in one write, before anything that could observe them or
/// depends on them being there:
/// - the write that completes a commit frame (a frame header whose "database size after commit"
///   is not zero): so a commit is in the file, for other processes too (`sqlite3 .backup`),
///   before SQLite publishes it in the WAL index, whatever the `synchronous` level;
/// - `xSync` (a sync never returns before the bytes are written), `xRead` of any buffered
///   region, `xFileSize`, `xTruncate`, `xClose`;
/// - a write that is not contiguous with the buffer, or a buffer past `kMaxBufferedBytes`.
/// Between two syncs the order in which the OS writes pages back is unspecified anyway, so one
/// write instead of many weakens no crash guarantee SQLite relies on. Every other file (the
/// database, its `-shm`) goes straight to the default VFS.
///
/// Each object registers its own VFS under a unique name (never as the default) for the
/// connections opened with `name()`, and unregisters it when destroyed: it must outlive them.
class WalBatchingVfs {
 public:
  /// A buffer that grows past this is written out at once (a huge transaction spills pages).
  static constexpr std::int64_t kMaxBufferedBytes = 4 << 20;

  /// Registers a new VFS over the current default one. Errc::unavailable if SQLite refuses.
  static core::Result<std::unique_ptr<WalBatchingVfs>> create();

  WalBatchingVfs(const WalBatchingVfs&) = delete;
  WalBatchingVfs& operator=(const WalBatchingVfs&) = delete;
  ~WalBatchingVfs();

  /// The name to pass to `sqlite3_open_v2`.
  [[nodiscard]] const char* name() const { return name_.c_str(); }
  /// Writes issued to WAL files so far (after batching, one per chunk), for tests and
  /// measurements.
  [[nodiscard]] std::uint64_t wal_writes() const { return wal_writes_; }

  // The file methods' access to their VFS (not for callers).
  sqlite3_vfs* base() const { return base_; }
  void count_wal_write() { ++wal_writes_; }

 private:
  WalBatchingVfs() = default;

  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  std::string name_;
  std::uint64_t wal_writes_ = 0;
};

}  // namespace messenger::sqlite
