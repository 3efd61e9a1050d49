#pragma once

#include <sqlite3.h>

#include <memory>

#include "messenger/storage/store.h"

namespace messenger::storage::sqlite {

/// A Syncer for a connection in WAL mode: fdatasync of the WAL file through a descriptor of its
/// own, so that it can run on another thread while the connection writes the next commits.
/// Errc::unavailable when the connection has no WAL file (an in-memory database) or it cannot be
/// opened.
core::Result<std::unique_ptr<Syncer>> open_wal_syncer(sqlite3* db);

}  // namespace messenger::storage::sqlite
