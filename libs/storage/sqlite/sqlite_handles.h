#pragma once

#include <sqlite3.h>

#include <memory>

namespace messenger::storage::sqlite {

/// Owners of every SQLite C handle. Nothing else in this folder frees a handle by hand.
struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

}  // namespace messenger::storage::sqlite
