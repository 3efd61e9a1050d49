#include "messenger/sqlite/statement.h"

#include <fmt/format.h>

#include <utility>

namespace messenger::sqlite {

core::Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const char* reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  auto code = core::Errc::unavailable;
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
    code = core::Errc::conflict;
  } else if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) {
    code = core::Errc::not_found;
  }
  return core::make_error(code, fmt::format("sqlite: {} failed: {}", what, reason));
}

namespace {

int bind_text(sqlite3_stmt* stmt, int index, std::string_view value,
              sqlite3_destructor_type lifetime) {
  // A null pointer would bind SQL NULL, and a default-constructed string_view has one: bind it as
  // the empty text it is.
  const char* data = value.data() != nullptr ? value.data() : "";
  return sqlite3_bind_text64(stmt, index, data, value.size(), lifetime, SQLITE_UTF8);
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      what_(other.what_),
      next_index_(other.next_index_),
      bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, next_index_++, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(std::string_view value) {
  // SQLITE_TRANSIENT copies the text, so callers may bind temporaries.
  const int rc = bind_text(stmt_, next_index_++, value, SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_unowned(std::string_view value) {
  const int rc = bind_text(stmt_, next_index_++, value, SQLITE_STATIC);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_null() {
  const int rc = sqlite3_bind_null(stmt_, next_index_++);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

core::Result<bool> Statement::step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return sqlite_error(db, bind_rc_, what_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db, rc, what_);
}

core::Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) return row.error();
    if (!*row) return core::Ok{};
  }
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

}  // namespace messenger::sqlite
