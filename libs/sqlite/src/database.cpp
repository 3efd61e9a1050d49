#include "messenger/sqlite/database.h"

#include <fmt/format.h>

namespace messenger::sqlite {

core::Result<Database> open_database(const std::string& path, int busy_timeout_ms,
                                     WriteShaping shaping) {
  std::unique_ptr<WriteShapingVfs> vfs;
  if (shaping.batch_wal_writes || shaping.database_sync_step_bytes > 0) {
    auto made = WriteShapingVfs::create(shaping);
    if (!made.ok()) return made.error();
    vfs = std::move(*made);
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 vfs ? vfs->name() : nullptr);
  // sqlite3_open_v2 hands out a handle even when it fails; it must still be closed.
  DatabaseHandle handle(raw);
  if (rc != SQLITE_OK) {
    return core::make_error(core::Errc::unavailable,
                            fmt::format("sqlite: cannot open database {}: {}", path,
                                        raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(handle.get(), 1);
  sqlite3_busy_timeout(handle.get(), busy_timeout_ms);
  return Database(std::move(handle), std::move(vfs));
}

core::Result<Statement> Database::prepare(std::string_view sql, std::string_view what) {
  auto found = cache_.find(sql);
  if (found == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(handle_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StatementHandle stmt(raw);
    if (rc != SQLITE_OK) return error(rc, what);
    found = cache_.emplace(std::string(sql), std::move(stmt)).first;
  }
  return Statement(found->second.get(), what);
}

core::Result<StatementHandle> Database::prepare_uncached(const std::string& sql,
                                                         std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(handle_.get(), sql.c_str(), -1, &raw, nullptr);
  StatementHandle stmt(raw);
  if (rc != SQLITE_OK) return error(rc, what);
  return stmt;
}

core::Status Database::execute(const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(handle_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, what);
  return core::Ok{};
}

core::Result<std::int64_t> Database::query_int(const std::string& sql, std::string_view what) {
  auto stmt = prepare_uncached(sql, what);
  if (!stmt.ok()) return stmt.error();
  Statement use(stmt->get(), what);
  auto value = use.one([](const Statement& row) { return row.int64(0); });
  if (!value.ok()) return value.error();
  return value->value_or(0);
}

core::Result<std::string> Database::query_text(const std::string& sql, std::string_view what) {
  auto stmt = prepare_uncached(sql, what);
  if (!stmt.ok()) return stmt.error();
  Statement use(stmt->get(), what);
  auto value = use.one([](const Statement& row) { return row.text(0); });
  if (!value.ok()) return value.error();
  return value->value_or(std::string());
}

Savepoint::~Savepoint() {
  if (!active_) return;
  // Failures are ignored: after an I/O error SQLite may already have rolled back the whole
  // transaction, and then there is no savepoint left to roll back to.
  if (auto rollback = db_.prepare("ROLLBACK TO store_call", "rollback to savepoint");
      rollback.ok()) {
    (void)rollback->run();
  }
  if (auto release = db_.prepare("RELEASE store_call", "release savepoint"); release.ok()) {
    (void)release->run();
  }
}

core::Status Savepoint::begin() {
  auto stmt = db_.prepare("SAVEPOINT store_call", "savepoint");
  if (!stmt.ok()) return stmt.error();
  MESSENGER_TRY(stmt->run());
  active_ = true;
  return core::Ok{};
}

core::Status Savepoint::release() {
  auto stmt = db_.prepare("RELEASE store_call", "release savepoint");
  if (!stmt.ok()) return stmt.error();
  MESSENGER_TRY(stmt->run());
  active_ = false;
  return core::Ok{};
}

}  // namespace messenger::sqlite
