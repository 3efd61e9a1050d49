#pragma once

// Test support: a SQLite VFS whose database files cannot be synced, for the paths that must stop
// the server when the disk loses a write-back.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <mutex>

#include "messenger/sqlite/write_shaping_vfs.h"

namespace messenger::sqlite::testing {

/// The "unix" VFS, except that every sync of a main database file fails with
/// SQLITE_IOERR_FSYNC (the WAL's and the journals' syncs work). Registered, not the default,
/// until as_default() makes it so.
class FailingDatabaseSyncVfs {
 public:
  FailingDatabaseSyncVfs() : unix_(sqlite3_vfs_find("unix")), vfs_(*unix_) {
    vfs_.zName = "messenger-test-failing-database-sync";
    vfs_.pNext = nullptr;
    vfs_.pAppData = this;
    vfs_.xOpen = open;
    EXPECT_EQ(sqlite3_vfs_register(&vfs_, 0), SQLITE_OK);
  }
  FailingDatabaseSyncVfs(const FailingDatabaseSyncVfs&) = delete;
  FailingDatabaseSyncVfs& operator=(const FailingDatabaseSyncVfs&) = delete;
  ~FailingDatabaseSyncVfs() { sqlite3_vfs_unregister(&vfs_); }

  [[nodiscard]] const char* name() const { return vfs_.zName; }

  /// While it lives, this VFS is SQLite's default, so that code which opens its own connection
  /// gets it; the default before comes back after.
  class DefaultScope {
   public:
    explicit DefaultScope(sqlite3_vfs* vfs) : before_(sqlite3_vfs_find(nullptr)) {
      EXPECT_EQ(sqlite3_vfs_register(vfs, 1), SQLITE_OK);
    }
    DefaultScope(const DefaultScope&) = delete;
    DefaultScope& operator=(const DefaultScope&) = delete;
    ~DefaultScope() { sqlite3_vfs_register(before_, 1); }

   private:
    sqlite3_vfs* before_;
  };
  [[nodiscard]] std::unique_ptr<DefaultScope> as_default() {
    return std::make_unique<DefaultScope>(&vfs_);
  }

  /// A WriteShapingVfs over this one; the default VFS is the same before and after.
  core::Result<std::unique_ptr<WriteShapingVfs>> shaped(WriteShaping shaping) {
    const auto scope = as_default();
    return WriteShapingVfs::create(shaping);
  }

 private:
  static int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                  int* out_flags) {
    auto& self = *static_cast<FailingDatabaseSyncVfs*>(vfs->pAppData);
    const int rc = self.unix_->xOpen(self.unix_, name, file, flags, out_flags);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
      // Filled by the first open only: a connection opened later must not rewrite the table
      // under one that is syncing on another thread.
      std::call_once(self.methods_filled_, [&self, file] {
        self.methods_ = *file->pMethods;
        self.methods_.xSync = [](sqlite3_file*, int) { return SQLITE_IOERR_FSYNC; };
      });
      file->pMethods = &self.methods_;
    }
    return rc;
  }

  sqlite3_vfs* unix_;
  sqlite3_vfs vfs_;
  sqlite3_io_methods methods_{};
  std::once_flag methods_filled_;
};

}  // namespace messenger::sqlite::testing
