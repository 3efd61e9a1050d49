#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "messenger/core/ids.h"
#include "messenger/core/result.h"
#include "messenger/sqlite/handles.h"

namespace messenger::sqlite {

/// An error value for a failed SQLite call. Unique and primary-key violations become
/// Errc::conflict, foreign-key violations Errc::not_found, everything else Errc::unavailable.
/// The message names the operation and SQLite's reason; it never contains bound values.
core::Error sqlite_error(sqlite3* db, int rc, std::string_view what);

/// One use of a cached prepared statement: parameters are bound in order with bind(), rows are
/// read with step() and the column accessors. The destructor resets the statement and clears its
/// bindings so that the cache can hand it out again.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, std::string_view what) : stmt_(stmt), what_(what) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(std::int64_t value);
  Statement& bind(int value) { return bind(static_cast<std::int64_t>(value)); }
  Statement& bind(std::string_view value);
  /// Binds text without copying it: the caller keeps `value` alive, unchanged, until this
  /// Statement is destroyed (which resets the statement). For hot paths whose text outlives the
  /// statement anyway; saves SQLite an allocation and a copy per value.
  Statement& bind_unowned(std::string_view value);
  template <std::same_as<bool> Bool>
  Statement& bind(Bool value) {
    return bind(static_cast<std::int64_t>(value ? 1 : 0));
  }
  template <typename Tag>
  Statement& bind(core::StrongId<Tag> id) {
    return bind(id.value());
  }
  Statement& bind_null();

  /// True when a row is ready to be read, false when the statement has finished.
  core::Result<bool> step();
  /// Steps to the end, ignoring any rows.
  core::Status run();

  /// Reads every row with `read(*this)`.
  template <typename Read>
  auto all(Read read) -> core::Result<std::vector<std::invoke_result_t<Read, const Statement&>>> {
    std::vector<std::invoke_result_t<Read, const Statement&>> rows;
    for (;;) {
      auto row = step();
      if (!row.ok()) return row.error();
      if (!*row) return rows;
      rows.push_back(read(std::as_const(*this)));
    }
  }

  /// Reads the first row, if any, with `read(*this)`.
  template <typename Read>
  auto one(Read read) -> core::Result<std::optional<std::invoke_result_t<Read, const Statement&>>> {
    using Row = std::invoke_result_t<Read, const Statement&>;
    auto row = step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<Row>{};
    return std::optional<Row>{read(std::as_const(*this))};
  }

  [[nodiscard]] std::int64_t int64(int column) const;
  [[nodiscard]] bool boolean(int column) const { return int64(column) != 0; }
  [[nodiscard]] std::string text(int column) const;

 private:
  sqlite3_stmt* stmt_;
  std::string_view what_;
  int next_index_ = 1;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace messenger::sqlite
