#pragma once

#include <memory>
#include <string>

#include "messenger/core/result.h"
#include "messenger/storage/store.h"

namespace messenger::storage {

struct SqliteOptions {
  std::string path;  // database file; created with its schema when missing
  /// "full" (durable against power loss; the default) or "normal" (durable against a crash of
  /// the server process, faster).
  std::string synchronous = "full";
  int busy_timeout_ms = 5000;
  /// Upper bound of SQLite's page cache in MiB; it fills only as pages are used. Large group
  /// commits touch pages all over the indexes, so a cache that holds them saves re-reading them
  /// at every batch (docs/storage.md, "Page cache and checkpoints").
  int cache_mib = 64;
  /// WAL pages (4 KiB) after which a checkpoint copies them into the database file, off the
  /// writing thread; the writer copies by itself at four times this (docs/storage.md,
  /// "Checkpoints off the service thread"). Smaller keeps the WAL smaller and costs speed.
  int checkpoint_pages = 40'000;
};

/// Opens (creating and migrating as needed) the embedded store. Errc::unavailable with the
/// reason when the file cannot be opened, or is from a newer server version.
core::Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace messenger::storage
