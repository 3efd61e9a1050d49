#include "sqlite_migrations.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <string>

namespace messenger::storage::sqlite {
namespace {

constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  status_text TEXT NOT NULL DEFAULT '',
  is_admin INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE auth_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users (id),
  device TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE settings (
  user_id INTEGER PRIMARY KEY REFERENCES users (id),
  json TEXT NOT NULL
);

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'channel')),
  name TEXT NOT NULL DEFAULT '',
  topic TEXT NOT NULL DEFAULT '',
  created_by INTEGER NOT NULL REFERENCES users (id),
  archived INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_rev INTEGER NOT NULL DEFAULT 0,
  last_activity INTEGER NOT NULL DEFAULT 0,
  direct_low INTEGER REFERENCES users (id),
  direct_high INTEGER REFERENCES users (id),
  CHECK ((kind = 'direct') = (direct_low IS NOT NULL AND direct_high IS NOT NULL)),
  CHECK (direct_low IS NULL OR direct_low < direct_high)
);
CREATE UNIQUE INDEX conversations_direct_pair ON conversations (direct_low, direct_high)
  WHERE kind = 'direct';
CREATE INDEX conversations_open_channels ON conversations (name)
  WHERE kind = 'channel' AND archived = 0;

CREATE TABLE members (
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  role TEXT NOT NULL CHECK (role IN ('member', 'owner')),
  last_read INTEGER NOT NULL DEFAULT 0,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members (user_id);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  seq INTEGER NOT NULL,
  rev INTEGER NOT NULL,
  sender_id INTEGER NOT NULL REFERENCES users (id),
  client_msg_id TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  edited_at INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX messages_conversation_seq ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_sender_client_id ON messages (sender_id, client_msg_id);
CREATE INDEX messages_conversation_rev ON messages (conversation_id, rev);
)sql";

// An index on (conversation_id, rev) cost every appended message a page of its own in each
// commit's WAL. Messages never edited need none: their rev is their seq plus the edits the
// conversation had before they came, so they are found through the seq index from a bound that
// rev_marks gives (docs/storage.md, "Changes since a rev"). Only changed messages are indexed by
// rev.
constexpr std::string_view kChangesWithoutRevIndex = R"sql(
ALTER TABLE messages ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET changed = 1 WHERE edited_at != 0 OR deleted != 0;
DROP INDEX messages_conversation_rev;
CREATE INDEX messages_changed_rev ON messages (conversation_id, rev) WHERE changed = 1;

CREATE TABLE rev_marks (
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  rev INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, rev)
) WITHOUT ROWID;
INSERT INTO rev_marks (conversation_id, rev, seq)
  SELECT conversation_id, min(rev) - 1, min(seq) - 1 FROM messages WHERE changed = 0
  GROUP BY conversation_id, rev - seq HAVING rev - seq > 0;
)sql";

// Version 2 derived marks only from the unchanged messages. A file whose history ended with
// edits (no message appended after the last of them) got no mark for that run, so the messages
// appended after the migration, until the next edit, had a rev that no mark explained, and
// changes_since skipped them. An edit that left edited_at at 0 was not flagged, and read with the
// unchanged messages in seq order, so a client paging past it skipped the messages after it with
// lower revs. This step (docs/storage.md, "Rebuilding the marks"):
// 1. gives every unchanged message that version 2 may not have served the conversation's next
//    revs, in seq order, and changed = 1, as if edited, so that every client syncs it again
//    whatever rev it had reached. A message was served when its rev - seq is that of the last
//    mark below its rev (0 without one), no higher than that of any message after it, and its rev
//    is above that of every unchanged message before it (version 2 read those in seq order). In a
//    conversation whose marks go back in seq (only unflagged edits make those), none is trusted;
// 2. derives one mark per rev - seq of the messages left unchanged, as version 2 did;
// 3. adds one mark at each conversation's last rev and seq: the next message appended gets
//    rev = seq + (last_rev - last_seq), whatever came last.
// Each step is right whatever wrote the file: version 1 then 2, or a running version 2. The
// repaired messages go through a keyed table: the UPDATEs look each one up.
constexpr std::string_view kRebuiltRevMarks = R"sql(
CREATE TEMP TABLE unserved (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,
                            n INTEGER NOT NULL);
INSERT INTO unserved (id, conversation_id, n)
  SELECT id, conversation_id, row_number() OVER (PARTITION BY conversation_id ORDER BY seq)
  FROM (SELECT id, conversation_id, seq, rev, changed,
               min(rev - seq) OVER (PARTITION BY conversation_id ORDER BY seq DESC
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later,
               max(CASE WHEN changed = 0 THEN rev END)
                 OVER (PARTITION BY conversation_id ORDER BY seq
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
        FROM messages) AS m
  WHERE changed = 0 AND (rev - seq > coalesce(later, rev - seq) OR rev < coalesce(before, 0)
    OR rev - seq != coalesce(
      (SELECT k.rev - k.seq FROM rev_marks AS k
       WHERE k.conversation_id = m.conversation_id AND k.rev < m.rev
       ORDER BY k.rev DESC LIMIT 1), 0)
    OR conversation_id IN (
      SELECT conversation_id FROM (
        SELECT conversation_id, seq, max(seq) OVER (PARTITION BY conversation_id ORDER BY rev
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                                   AS seq_before
        FROM rev_marks)
      WHERE seq < seq_before));
CREATE INDEX temp.unserved_conversation ON unserved (conversation_id);
UPDATE messages SET changed = 1,
  rev = (SELECT last_rev FROM conversations WHERE id = messages.conversation_id)
        + (SELECT n FROM unserved WHERE unserved.id = messages.id)
  WHERE id IN (SELECT id FROM unserved);
UPDATE conversations SET last_rev = last_rev
  + (SELECT count(*) FROM unserved WHERE unserved.conversation_id = conversations.id)
  WHERE id IN (SELECT conversation_id FROM unserved);
DROP TABLE unserved;

DELETE FROM rev_marks;
INSERT INTO rev_marks (conversation_id, rev, seq)
  SELECT conversation_id, min(rev) - 1, min(seq) - 1 FROM messages WHERE changed = 0
  GROUP BY conversation_id, rev - seq HAVING rev - seq > 0;
INSERT INTO rev_marks (conversation_id, rev, seq)
  SELECT id, last_rev, last_seq FROM conversations WHERE last_rev > last_seq;
)sql";

// Keyed by sender first, the deduplication index took each append to the end of its sender's
// part: a commit of messages from many senders wrote a leaf per sender. With the client's id
// first, ids that grow with time (UUID version 7, as the desktop client sends) go to a few
// leaves at the index's end: about half the pages written per message (docs/storage.md, "The
// client's id comes first in the deduplication index"). The lookup still names both columns.
// No index now starts with sender_id, the foreign key to users: deleting a user (nothing does
// today) would scan messages for the key check.
constexpr std::string_view kClientIdFirst = R"sql(
DROP INDEX messages_sender_client_id;
CREATE UNIQUE INDEX messages_client_id_sender ON messages (client_msg_id, sender_id);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial schema", kInitialSchema},
    Migration{2, "changes without a rev index", kChangesWithoutRevIndex},
    Migration{3, "rev marks rebuilt", kRebuiltRevMarks},
    Migration{4, "client id first in the deduplication index", kClientIdFirst},
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

core::Status apply(Database& db, const Migration& migration) {
  const auto what = fmt::format("migration {} ({})", migration.version, migration.name);
  MESSENGER_TRY(db.execute(std::string(migration.sql), what));
  auto record =
      db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                 "record schema version");
  if (!record.ok()) return record.error();
  record->bind(migration.version).bind(migration.name).bind(now_ms());
  MESSENGER_TRY(record->run());
  return db.execute(fmt::format("PRAGMA user_version = {}", migration.version), what);
}

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations.back().version;
}

core::Status migrate(Database& db) {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening the
  // same new file at once cannot both apply a step.
  MESSENGER_TRY(db.execute("BEGIN IMMEDIATE", "begin migration"));
  auto rollback_on_error = [&db](core::Error error) -> core::Status {
    (void)db.execute("ROLLBACK", "rollback migration");
    return error;
  };
  auto current = db.query_int("PRAGMA user_version", "read schema version");
  if (!current.ok()) return rollback_on_error(current.error());
  if (*current > latest_schema_version()) {
    return rollback_on_error(core::make_error(
        core::Errc::unavailable,
        fmt::format("sqlite: schema version {} is newer than this server knows ({})", *current,
                    latest_schema_version())));
  }
  for (const auto& migration : kMigrations) {
    if (migration.version <= *current) continue;
    if (auto applied = apply(db, migration); !applied.ok()) {
      return rollback_on_error(applied.error());
    }
  }
  if (auto committed = db.execute("COMMIT", "commit migration"); !committed.ok()) {
    return rollback_on_error(committed.error());
  }
  return core::Ok{};
}

}  // namespace messenger::storage::sqlite
