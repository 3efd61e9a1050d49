#pragma once

// Helpers for the embedded store's tests: a scratch directory, and a raw connection for looking
// at (or writing) the file from outside the store.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "messenger/sqlite/handles.h"

namespace messenger::storage::sqlite::testing {

/// A new directory under the system temp dir; removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "messenger-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A raw connection to `path`; `create` makes the file when it is missing.
inline ::messenger::sqlite::DatabaseHandle open_raw(const std::filesystem::path& path,
                                                    bool create = false) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &raw, flags, nullptr), SQLITE_OK) << path;
  return ::messenger::sqlite::DatabaseHandle(raw);
}

inline void exec(sqlite3* db, const std::string& sql) {
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db) << " in " << sql;
}

/// `sql` prepared and stepped to its first row.
inline ::messenger::sqlite::StatementHandle first_row(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  ::messenger::sqlite::StatementHandle stmt(raw);
  EXPECT_EQ(sqlite3_step(stmt.get()), SQLITE_ROW) << sql;
  return stmt;
}

inline std::int64_t query_int(sqlite3* db, const std::string& sql) {
  return sqlite3_column_int64(first_row(db, sql).get(), 0);
}

inline std::string query_text(sqlite3* db, const std::string& sql) {
  const auto stmt = first_row(db, sql);
  const auto* text = sqlite3_column_text(stmt.get(), 0);
  return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace messenger::storage::sqlite::testing
