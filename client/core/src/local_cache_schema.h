#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "messenger/core/result.h"
#include "messenger/sqlite/database.h"

namespace messenger::client {

/// One step of the cache's schema history. Released steps are never edited; a change to the
/// schema is a new step with the next version.
struct CacheMigration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every step, in order; versions are 1, 2, 3, ...
std::span<const CacheMigration> cache_migrations();

/// The schema version this code writes (PRAGMA user_version of an up-to-date cache).
int latest_cache_schema_version();

/// Brings the schema up to latest_cache_schema_version() in one transaction and records the
/// version in PRAGMA user_version. Does nothing when the schema is current. A file written by a
/// newer client (a higher version) is an error: the caller decides what to do with it.
core::Status migrate_cache(sqlite::Database& db);

}  // namespace messenger::client
