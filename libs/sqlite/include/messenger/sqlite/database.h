#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "messenger/core/result.h"
#include "messenger/sqlite/handles.h"
#include "messenger/sqlite/statement.h"
#include "messenger/sqlite/write_shaping_vfs.h"

namespace messenger::sqlite {

/// One SQLite connection and its cache of prepared statements. Each statement text is prepared
/// once and reused for the life of the connection.
class Database {
 public:
  /// `vfs`, when given, is the VFS the connection was opened with; it lives as long as the
  /// connection.
  explicit Database(DatabaseHandle handle, std::unique_ptr<WriteShapingVfs> vfs = nullptr)
      : vfs_(std::move(vfs)), handle_(std::move(handle)) {}

  /// The cached statement for `sql`, ready to bind. `what` names the operation in errors.
  core::Result<Statement> prepare(std::string_view sql, std::string_view what);
  /// Runs one or more statements without caching them (schema changes, pragmas).
  core::Status execute(const std::string& sql, std::string_view what);
  /// The single integer a pragma or query returns, e.g. "PRAGMA user_version".
  core::Result<std::int64_t> query_int(const std::string& sql, std::string_view what);
  /// The single text value a pragma or query returns, e.g. "PRAGMA journal_mode=WAL".
  core::Result<std::string> query_text(const std::string& sql, std::string_view what);

  [[nodiscard]] core::Error error(int rc, std::string_view what) const {
    return sqlite_error(handle_.get(), rc, what);
  }
  [[nodiscard]] std::int64_t last_insert_id() const {
    return sqlite3_last_insert_rowid(handle_.get());
  }
  [[nodiscard]] std::int64_t changes() const { return sqlite3_changes64(handle_.get()); }
  [[nodiscard]] bool in_transaction() const { return sqlite3_get_autocommit(handle_.get()) == 0; }
  [[nodiscard]] sqlite3* get() const { return handle_.get(); }

 private:
  core::Result<StatementHandle> prepare_uncached(const std::string& sql, std::string_view what);

  // Destroyed in reverse order: the statements are finalized, then the connection closes, then
  // its VFS is unregistered.
  std::unique_ptr<WriteShapingVfs> vfs_;
  DatabaseHandle handle_;
  std::map<std::string, StatementHandle, std::less<>> cache_;
};

/// Opens (creating it if missing) a read-write connection for use from one thread at a time,
/// with extended result codes and a busy timeout, through a WriteShapingVfs of its own when
/// `shaping` changes anything, else through SQLite's default VFS. Errc::unavailable names the path
/// and SQLite's reason. Nothing is read from the file yet, so a file that is not a database opens
/// fine and fails at its first statement.
core::Result<Database> open_database(const std::string& path, int busy_timeout_ms,
                                     WriteShaping shaping = {});

/// Makes a group of statements atomic whether or not the caller opened a transaction: on
/// destruction without release(), everything since begin() is rolled back and an enclosing
/// transaction stays as it was before the call.
class Savepoint {
 public:
  explicit Savepoint(Database& db) : db_(db) {}
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  core::Status begin();
  core::Status release();

 private:
  Database& db_;
  bool active_ = false;
};

}  // namespace messenger::sqlite
