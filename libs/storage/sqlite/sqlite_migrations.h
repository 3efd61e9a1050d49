#pragma once

#include <span>
#include <string_view>

#include "messenger/core/result.h"
#include "messenger/sqlite/database.h"

namespace messenger::storage::sqlite {

using ::messenger::sqlite::Database;

/// One step of the schema's history. Steps are never edited once released; a change to the
/// schema is a new step with the next version.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every migration, in order; versions are 1, 2, 3, ...
std::span<const Migration> migrations();

/// The schema version this code writes: the version of the last migration.
int latest_schema_version();

/// Brings the schema up to latest_schema_version() in one transaction, recording each step in
/// schema_version and PRAGMA user_version. Does nothing when the schema is current.
core::Status migrate(Database& db);

}  // namespace messenger::storage::sqlite
