#pragma once

#include <sqlite3.h>

#include <memory>

namespace messenger::sqlite {

/// Owners of every SQLite C handle. Code that uses this library never frees a handle by hand.
struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

}  // namespace messenger::sqlite
