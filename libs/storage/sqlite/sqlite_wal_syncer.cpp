#include "sqlite_wal_syncer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace messenger::storage::sqlite {
namespace {

using core::Errc;
using core::make_error;

std::string describe(int error) {
  return std::error_code(error, std::system_category()).message();
}

/// Every commit's frames are in the WAL file (the kernel's copy) when COMMIT returns; a
/// checkpoint copies them into the database file only after syncing the WAL itself. So one
/// fdatasync of the WAL makes every commit that returned before it durable. The WAL is never
/// replaced while the connection is open (it is rewritten from its start after a checkpoint),
/// so the descriptor opened once stays the right one.
class WalSyncer final : public Syncer {
 public:
  WalSyncer(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~WalSyncer() override { ::close(fd_); }
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  Status sync() override {
    if (::fdatasync(fd_) == 0) return core::Ok{};
    return make_error(Errc::unavailable,
                      fmt::format("sqlite: cannot sync {} to disk: {}", path_, describe(errno)));
  }

 private:
  int fd_;
  std::string path_;
};

core::Status sync_directory_of(const std::string& file) {
  const auto directory = std::filesystem::path(file).parent_path();
  const std::string name = directory.empty() ? std::string(".") : directory.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(
        Errc::unavailable,
        fmt::format("sqlite: cannot open directory {} to sync it: {}", name, describe(errno)));
  }
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) {
    return make_error(Errc::unavailable,
                      fmt::format("sqlite: cannot sync directory {}: {}", name, describe(error)));
  }
  return core::Ok{};
}

}  // namespace

core::Result<std::unique_ptr<Syncer>> open_wal_syncer(sqlite3* db) {
  const char* name = sqlite3_db_filename(db, "main");
  const char* wal = name != nullptr && *name != '\0' ? sqlite3_filename_wal(name) : nullptr;
  if (wal == nullptr || *wal == '\0') {
    return make_error(Errc::unavailable, "sqlite: the database has no WAL file to sync");
  }
  // Linux syncs through a read-only descriptor; not writing keeps it from ever touching the
  // file. (Closing it releases no lock of SQLite's: in WAL mode those are on the -shm file.)
  const int fd = ::open(wal, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(Errc::unavailable,
                      fmt::format("sqlite: cannot open {} to sync it: {}", wal, describe(errno)));
  }
  auto syncer = std::make_unique<WalSyncer>(fd, wal);
  // The WAL may have been created since the directory was last synced (a clean close deletes
  // it); at synchronous = FULL SQLite would sync the directory at the WAL's first sync, so this
  // does it once here, before any commit relies on the file.
  MESSENGER_TRY(sync_directory_of(wal));
  return std::unique_ptr<Syncer>(std::move(syncer));
}

}  // namespace messenger::storage::sqlite
