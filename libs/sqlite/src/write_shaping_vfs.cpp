#include "messenger/sqlite/write_shaping_vfs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

namespace messenger::sqlite {
namespace {

// The WAL file format (https://sqlite.org/fileformat.html#the_write_ahead_log): each frame is a
// 24-byte header, then the page; bytes 4-7 of the header, big-endian, are the database size in
// pages after a commit, and zero in every frame but a transaction's last.
constexpr int kFrameHeaderBytes = 24;

// The unix VFS's xWrite cannot write 128 KiB or more in one call: it masks each pwrite's length
// with 0x1ffff (SQLite 3.40 seekAndWrite), so a multiple of 128 KiB becomes a zero-byte write
// and fails as SQLITE_FULL. SQLite itself never writes more than one page at once. A larger
// buffer goes out in chunks of this size (a multiple of every page size up to 4 KiB).
constexpr std::size_t kMaxWriteBytes = 124 * 1024;

bool is_commit_frame_header(const void* data, int bytes) {
  if (bytes != kFrameHeaderBytes) return false;
  const auto* header = static_cast<const unsigned char*>(data);
  return (header[4] | header[5] | header[6] | header[7]) != 0;
}

/// What every file this VFS shapes starts with: our methods, then the default VFS's own file
/// object in the same allocation (`real`), which does the work.
struct ShapedFile {
  sqlite3_file base;  // First: SQLite sees a shaped file as a sqlite3_file.
  sqlite3_file* real;
  WriteShapingVfs* vfs;
};

sqlite3_file& real_of(sqlite3_file* file) {
  return *reinterpret_cast<ShapedFile*>(file)->real;
}

/// A WAL file whose writes are batched.
struct WalFile {
  ShapedFile shaped;                  // First (see ShapedFile).
  std::vector<unsigned char> buffer;  // Bytes not yet written, for [offset, offset + size).
  sqlite3_int64 offset = 0;
  sqlite3_int64 flush_after = -1;  // Offset of the page write that completes a commit frame, or -1.
};

/// A main database file synced in steps of WriteShaping::database_sync_step_bytes.
struct DatabaseFile {
  ShapedFile shaped;                // First (see ShapedFile).
  std::int64_t unsynced_bytes = 0;  // Written since the last sync, ours or SQLite's.
};

constexpr std::size_t padded(std::size_t bytes) {
  return (bytes + 15) & ~std::size_t{15};
}
// The space in front of the default VFS's file object, whichever kind of file it is.
constexpr int kShapedFileBytes =
    static_cast<int>(std::max(padded(sizeof(WalFile)), padded(sizeof(DatabaseFile))));

WalFile& wal(sqlite3_file* file) {
  return *reinterpret_cast<WalFile*>(file);
}

DatabaseFile& database(sqlite3_file* file) {
  return *reinterpret_cast<DatabaseFile*>(file);
}

WriteShapingVfs& owner(sqlite3_vfs* vfs) {
  return *static_cast<WriteShapingVfs*>(vfs->pAppData);
}

sqlite3_vfs& base(sqlite3_vfs* vfs) {
  return *owner(vfs).base();
}

/// What a shaped file leaves to the default VFS's file object: `Forward<&sqlite3_io_methods::xM>`
/// calls the default file's xM with the same arguments. Open only wraps a file whose default
/// methods have every one a table forwards to (forwards_to_all).
template <auto Method>
struct Forward;

template <typename Result, typename... Args,
          Result (*sqlite3_io_methods::*Method)(sqlite3_file*, Args...)>
struct Forward<Method> {
  static Result call(sqlite3_file* file, Args... args) {
    sqlite3_file& real = real_of(file);
    return (real.pMethods->*Method)(&real, args...);
  }
};

int flush(WalFile& file) {
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < file.buffer.size() && rc == SQLITE_OK;) {
    const std::size_t chunk = std::min(file.buffer.size() - done, kMaxWriteBytes);
    sqlite3_file* real = file.shaped.real;
    rc = real->pMethods->xWrite(real, file.buffer.data() + done, static_cast<int>(chunk),
                                file.offset + static_cast<sqlite3_int64>(done));
    file.shaped.vfs->count_wal_write();
    done += chunk;
  }
  // After a failed write SQLite abandons the transaction; its frames are past the WAL index's
  // end and never read, so there is nothing worth retrying.
  file.buffer.clear();
  file.flush_after = -1;
  return rc;
}

int wal_close(sqlite3_file* file) {
  WalFile& self = wal(file);
  const int flushed = flush(self);
  sqlite3_file* real = self.shaped.real;
  const int closed = real->pMethods->xClose(real);
  self.~WalFile();
  return flushed != SQLITE_OK ? flushed : closed;
}

int wal_read(sqlite3_file* file, void* data, int bytes, sqlite3_int64 offset) {
  WalFile& self = wal(file);
  const auto buffered_end = self.offset + static_cast<sqlite3_int64>(self.buffer.size());
  if (!self.buffer.empty() && offset < buffered_end && offset + bytes > self.offset) {
    if (const int rc = flush(self); rc != SQLITE_OK) return rc;
  }
  return Forward<&sqlite3_io_methods::xRead>::call(file, data, bytes, offset);
}

int wal_write(sqlite3_file* file, const void* data, int bytes, sqlite3_int64 offset) {
  WalFile& self = wal(file);
  const auto buffered_end = self.offset + static_cast<sqlite3_int64>(self.buffer.size());
  if (!self.buffer.empty() && (offset < self.offset || offset > buffered_end)) {
    if (const int rc = flush(self); rc != SQLITE_OK) return rc;
  }
  if (self.buffer.empty()) self.offset = offset;
  // Overwrite what the buffer holds of [offset, offset + bytes), append the rest (no zero fill:
  // a resize would clear every page before copying it).
  const auto at = static_cast<std::size_t>(offset - self.offset);
  const auto* in = static_cast<const unsigned char*>(data);
  const std::size_t overlap = std::min(static_cast<std::size_t>(bytes), self.buffer.size() - at);
  if (overlap > 0) std::memcpy(self.buffer.data() + at, in, overlap);  // data() may be null.
  self.buffer.insert(self.buffer.end(), in + overlap, in + bytes);

  if (is_commit_frame_header(data, bytes)) {
    self.flush_after = offset + kFrameHeaderBytes;
  } else if (offset == self.flush_after) {
    // The commit frame is complete: it must be in the file before SQLite publishes the commit.
    return flush(self);
  }
  if (static_cast<std::int64_t>(self.buffer.size()) > WriteShapingVfs::kMaxBufferedBytes) {
    return flush(self);
  }
  return SQLITE_OK;
}

/// A WAL file's method that must see the buffered bytes in the file (truncate, sync, size):
/// writes them out, then forwards as Forward does.
template <auto Method>
struct FlushFirst;

template <typename... Args, int (*sqlite3_io_methods::*Method)(sqlite3_file*, Args...)>
struct FlushFirst<Method> {
  static int call(sqlite3_file* file, Args... args) {
    if (const int rc = flush(wal(file)); rc != SQLITE_OK) return rc;
    return Forward<Method>::call(file, args...);
  }
};

// Version 1: SQLite maps shared memory and pages only through the database file, never the WAL.
constexpr sqlite3_io_methods kWalMethods = {
    1,
    wal_close,
    wal_read,
    wal_write,
    FlushFirst<&sqlite3_io_methods::xTruncate>::call,
    FlushFirst<&sqlite3_io_methods::xSync>::call,
    FlushFirst<&sqlite3_io_methods::xFileSize>::call,
    Forward<&sqlite3_io_methods::xLock>::call,
    Forward<&sqlite3_io_methods::xUnlock>::call,
    Forward<&sqlite3_io_methods::xCheckReservedLock>::call,
    Forward<&sqlite3_io_methods::xFileControl>::call,
    Forward<&sqlite3_io_methods::xSectorSize>::call,
    Forward<&sqlite3_io_methods::xDeviceCharacteristics>::call,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

int database_close(sqlite3_file* file) {
  sqlite3_file& real = real_of(file);
  const int closed = real.pMethods->xClose(&real);
  database(file).~DatabaseFile();
  return closed;
}

int database_write(sqlite3_file* file, const void* data, int bytes, sqlite3_int64 offset) {
  sqlite3_file& real = real_of(file);
  if (const int rc = real.pMethods->xWrite(&real, data, bytes, offset); rc != SQLITE_OK) return rc;
  DatabaseFile& self = database(file);
  self.unsynced_bytes += bytes;
  WriteShapingVfs& vfs = *self.shaped.vfs;
  if (self.unsynced_bytes < vfs.shaping().database_sync_step_bytes) return SQLITE_OK;
  self.unsynced_bytes = 0;
  vfs.count_step_sync();
  // A failed step fails this write, hence the checkpoint, which then does not count these pages
  // as copied. The server's checkpointer stops at that error: the write-back Linux reports lost
  // may be of pages an earlier checkpoint already counts as copied.
  return real.pMethods->xSync(&real, SQLITE_SYNC_NORMAL);
}

int database_sync(sqlite3_file* file, int flags) {
  database(file).unsynced_bytes = 0;
  return Forward<&sqlite3_io_methods::xSync>::call(file, flags);
}

constexpr sqlite3_io_methods kDatabaseMethods = {
    3,
    database_close,
    Forward<&sqlite3_io_methods::xRead>::call,
    database_write,
    Forward<&sqlite3_io_methods::xTruncate>::call,
    database_sync,
    Forward<&sqlite3_io_methods::xFileSize>::call,
    Forward<&sqlite3_io_methods::xLock>::call,
    Forward<&sqlite3_io_methods::xUnlock>::call,
    Forward<&sqlite3_io_methods::xCheckReservedLock>::call,
    Forward<&sqlite3_io_methods::xFileControl>::call,
    Forward<&sqlite3_io_methods::xSectorSize>::call,
    Forward<&sqlite3_io_methods::xDeviceCharacteristics>::call,
    Forward<&sqlite3_io_methods::xShmMap>::call,
    Forward<&sqlite3_io_methods::xShmLock>::call,
    Forward<&sqlite3_io_methods::xShmBarrier>::call,
    Forward<&sqlite3_io_methods::xShmUnmap>::call,
    Forward<&sqlite3_io_methods::xFetch>::call,
    Forward<&sqlite3_io_methods::xUnfetch>::call,
};

/// Whether the default VFS's file `real` has every method that `ours` forwards to.
bool forwards_to_all(const sqlite3_io_methods& ours, const sqlite3_io_methods& real) {
  if (real.iVersion < ours.iVersion) return false;
  if (ours.iVersion >= 2 && (real.xShmMap == nullptr || real.xShmLock == nullptr ||
                             real.xShmBarrier == nullptr || real.xShmUnmap == nullptr)) {
    return false;
  }
  return ours.iVersion < 3 || (real.xFetch != nullptr && real.xUnfetch != nullptr);
}

/// Opens the default VFS's file object behind a `File` built at `file`, and gives SQLite
/// `methods` for it; or, if the default VFS's file lacks a method those forward to, opens that
/// file alone at `file`.
template <typename File>
int open_shaped(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags,
                const sqlite3_io_methods& methods) {
  sqlite3_vfs& inner = base(vfs);
  auto* self = new (file) File{};
  ShapedFile& shaped = self->shaped;
  shaped.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kShapedFileBytes);
  shaped.real->pMethods = nullptr;
  shaped.vfs = &owner(vfs);
  const int rc = inner.xOpen(&inner, name, shaped.real, flags, out_flags);
  if (shaped.real->pMethods != nullptr && !forwards_to_all(methods, *shaped.real->pMethods)) {
    // Our methods would call some the default VFS's file lacks (never so for the unix VFS's
    // default methods; its "unix-none" ones have no shared memory): the file goes unshaped.
    shaped.real->pMethods->xClose(shaped.real);
    self->~File();
    file->pMethods = nullptr;
    return inner.xOpen(&inner, name, file, flags, out_flags);
  }
  if (shaped.real->pMethods == nullptr) {
    // Nothing to close: SQLite calls xClose only on a file whose pMethods is set.
    self->~File();
    file->pMethods = nullptr;
    return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
  }
  shaped.base.pMethods = &methods;
  return rc;
}

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  const WriteShaping& shaping = owner(vfs).shaping();
  if ((flags & SQLITE_OPEN_WAL) != 0 && shaping.batch_wal_writes) {
    return open_shaped<WalFile>(vfs, name, file, flags, out_flags, kWalMethods);
  }
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && shaping.database_sync_step_bytes > 0) {
    return open_shaped<DatabaseFile>(vfs, name, file, flags, out_flags, kDatabaseMethods);
  }
  // Any other file uses the default VFS's own methods in the (large enough) space SQLite gave.
  sqlite3_vfs& inner = base(vfs);
  return inner.xOpen(&inner, name, file, flags, out_flags);
}

// The rest of the VFS is the default one's, called with the default VFS object (the unix VFS
// reads its own pAppData).
int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return base(vfs).xDelete(&base(vfs), name, sync_dir);
}

int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return base(vfs).xAccess(&base(vfs), name, flags, out);
}

int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return base(vfs).xFullPathname(&base(vfs), name, size, out);
}

void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
  return base(vfs).xDlOpen(&base(vfs), name);
}

void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  base(vfs).xDlError(&base(vfs), size, out);
}

void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))() {
  return base(vfs).xDlSym(&base(vfs), handle, symbol);
}

void vfs_dl_close(sqlite3_vfs* vfs, void* handle) {
  base(vfs).xDlClose(&base(vfs), handle);
}

int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return base(vfs).xRandomness(&base(vfs), size, out);
}

int vfs_sleep(sqlite3_vfs* vfs, int microseconds) {
  return base(vfs).xSleep(&base(vfs), microseconds);
}

int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  return base(vfs).xCurrentTime(&base(vfs), out);
}

int vfs_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return base(vfs).xGetLastError(&base(vfs), size, out);
}

int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return base(vfs).xCurrentTimeInt64(&base(vfs), out);
}

}  // namespace

core::Result<std::unique_ptr<WriteShapingVfs>> WriteShapingVfs::create(WriteShaping shaping) {
  std::unique_ptr<WriteShapingVfs> self(new WriteShapingVfs(shaping));
  self->base_ = sqlite3_vfs_find(nullptr);
  if (self->base_ == nullptr) {
    return core::make_error(core::Errc::unavailable, "sqlite: no default VFS to build on");
  }
  self->name_ = fmt::format("messenger-write-shaping-{}", static_cast<const void*>(self.get()));
  const sqlite3_vfs& inner = *self->base_;
  sqlite3_vfs& vfs = self->vfs_;
  vfs.iVersion = inner.iVersion >= 2 ? 2 : 1;
  vfs.szOsFile = kShapedFileBytes + inner.szOsFile;
  vfs.mxPathname = inner.mxPathname;
  vfs.zName = self->name_.c_str();
  vfs.pAppData = self.get();
  vfs.xOpen = vfs_open;
  vfs.xDelete = inner.xDelete != nullptr ? vfs_delete : nullptr;
  vfs.xAccess = inner.xAccess != nullptr ? vfs_access : nullptr;
  vfs.xFullPathname = inner.xFullPathname != nullptr ? vfs_full_pathname : nullptr;
  vfs.xDlOpen = inner.xDlOpen != nullptr ? vfs_dl_open : nullptr;
  vfs.xDlError = inner.xDlError != nullptr ? vfs_dl_error : nullptr;
  vfs.xDlSym = inner.xDlSym != nullptr ? vfs_dl_sym : nullptr;
  vfs.xDlClose = inner.xDlClose != nullptr ? vfs_dl_close : nullptr;
  vfs.xRandomness = inner.xRandomness != nullptr ? vfs_randomness : nullptr;
  vfs.xSleep = inner.xSleep != nullptr ? vfs_sleep : nullptr;
  vfs.xCurrentTime = inner.xCurrentTime != nullptr ? vfs_current_time : nullptr;
  vfs.xGetLastError = inner.xGetLastError != nullptr ? vfs_get_last_error : nullptr;
  if (vfs.iVersion >= 2) {
    vfs.xCurrentTimeInt64 = inner.xCurrentTimeInt64 != nullptr ? vfs_current_time_int64 : nullptr;
  }
  if (const int rc = sqlite3_vfs_register(&vfs, 0); rc != SQLITE_OK) {
    self->base_ = nullptr;  // Not registered: nothing to unregister.
    return core::make_error(
        core::Errc::unavailable,
        fmt::format("sqlite: cannot register the write shaping VFS: {}", sqlite3_errstr(rc)));
  }
  return self;
}

WriteShapingVfs::~WriteShapingVfs() {
  if (base_ != nullptr) sqlite3_vfs_unregister(&vfs_);
}

}  // namespace messenger::sqlite
