#include "local_cache_schema.h"

#include <fmt/format.h>

#include <array>
#include <string>

namespace messenger::client {
namespace {

// Conversations and users are kept as JSON documents (local_cache_json.h) under their id: the
// cache only ever reads them all at once, and a field added to the protocol structs then needs
// no migration. Messages have columns, because they are paged by seq.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  summary TEXT NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  user_view TEXT NOT NULL
);

-- The primary key is the index that messages_before / messages_after scan, so a page of a
-- conversation with 100,000 messages reads only the rows it returns.
CREATE TABLE messages (
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  rev INTEGER NOT NULL,
  sender_id INTEGER NOT NULL,
  client_msg_id TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  edited_at INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

CREATE TABLE sync_state (
  conversation_id INTEGER PRIMARY KEY,
  synced_rev INTEGER NOT NULL
);

-- position is the rowid: a new row gets one more than the largest, so ordering by it is the
-- order in which the user sent the messages, whatever the wall clock did meanwhile.
CREATE TABLE outbox (
  position INTEGER PRIMARY KEY,
  client_msg_id TEXT NOT NULL UNIQUE,
  conversation_id INTEGER NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  error TEXT NOT NULL
);

CREATE TABLE drafts (
  conversation_id INTEGER PRIMARY KEY,
  text TEXT NOT NULL
);

CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

constexpr std::array kMigrations = {
    CacheMigration{1, "initial schema", kInitialSchema},
};

core::Status apply(sqlite::Database& db, const CacheMigration& migration) {
  const auto what = fmt::format("cache migration {} ({})", migration.version, migration.name);
  MESSENGER_TRY(db.execute(std::string(migration.sql), what));
  return db.execute(fmt::format("PRAGMA user_version = {}", migration.version), what);
}

}  // namespace

std::span<const CacheMigration> cache_migrations() {
  return kMigrations;
}

int latest_cache_schema_version() {
  return kMigrations.back().version;
}

core::Status migrate_cache(sqlite::Database& db) {
  // IMMEDIATE takes the write lock before reading the version, so two windows opening the same
  // new file at once cannot both apply a step.
  MESSENGER_TRY(db.execute("BEGIN IMMEDIATE", "begin cache migration"));
  auto rollback_on_error = [&db](core::Error error) -> core::Status {
    (void)db.execute("ROLLBACK", "rollback cache migration");
    return error;
  };
  auto current = db.query_int("PRAGMA user_version", "read cache schema version");
  if (!current.ok()) return rollback_on_error(current.error());
  if (*current > latest_cache_schema_version()) {
    return rollback_on_error(
        core::make_error(core::Errc::unavailable,
                         fmt::format("cache schema version {} is newer than this client knows ({})",
                                     *current, latest_cache_schema_version())));
  }
  for (const auto& migration : kMigrations) {
    if (migration.version <= *current) continue;
    if (auto applied = apply(db, migration); !applied.ok()) {
      return rollback_on_error(applied.error());
    }
  }
  if (auto committed = db.execute("COMMIT", "commit cache migration"); !committed.ok()) {
    return rollback_on_error(committed.error());
  }
  return core::Ok{};
}

}  // namespace messenger::client
