#include "messenger/client/local_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "local_cache_json.h"
#include "local_cache_schema.h"
#include "messenger/sqlite/database.h"

namespace messenger::client {
namespace {

namespace fs = std::filesystem;
using core::Errc;
using core::make_error;
using sqlite::Database;
using sqlite::Savepoint;
using sqlite::Statement;

/// How long a write waits for another process that holds the file (a second window of the app
/// on the same account) before it fails.
constexpr int kBusyTimeoutMs = 2000;

void log_if_failed(std::string_view what, const core::Status& status) {
  if (!status.ok()) spdlog::warn("local cache: {} failed: {}", what, status.error().message);
}

/// SQLite takes UTF-8 file names on every platform.
std::string utf8_path(const fs::path& path) {
  const auto text = path.u8string();
  return {reinterpret_cast<const char*>(text.data()), text.size()};
}

fs::path with_suffix(const fs::path& file, std::string_view suffix) {
  fs::path result = file;
  result += suffix;
  return result;
}

/// Moves the file and its WAL companions to "<file>.broken", "<file>.broken-wal" and
/// "<file>.broken-shm", replacing an earlier broken copy. The WAL must go too: replayed into a
/// fresh file it would bring back pages of the broken one.
core::Status move_aside(const fs::path& file) {
  const fs::path broken = with_suffix(file, ".broken");
  for (const std::string_view companion : {"", "-wal", "-shm"}) {
    std::error_code ignored;
    fs::remove(with_suffix(broken, companion), ignored);
  }
  for (const std::string_view companion : {"", "-wal", "-shm"}) {
    const fs::path from = with_suffix(file, companion);
    std::error_code ec;
    if (!fs::exists(from, ec)) continue;
    fs::rename(from, with_suffix(broken, companion), ec);
    if (ec) {
      return make_error(Errc::unavailable, fmt::format("local cache: cannot move {} aside: {}",
                                                       utf8_path(from), ec.message()));
    }
  }
  return core::Ok{};
}

/// Opens, configures and migrates the cache file. `broken` is set when the failure is the
/// file's own (not a database, damaged, or written by a newer client), i.e. when moving it aside
/// and starting again will help; a locked file or a full disk are reported as they are.
core::Result<Database> open_cache_file(const fs::path& file, bool& broken) {
  broken = false;
  const std::string path = utf8_path(file);
  auto db = sqlite::open_database(path, kBusyTimeoutMs);
  if (!db.ok()) return db.error();

  // Opening reads nothing; reading the schema is the first look at the file's contents.
  const int rc =
      sqlite3_exec(db->get(), "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    const int primary = rc & 0xff;
    broken = primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT;
    return make_error(Errc::unavailable, fmt::format("local cache: cannot read {}: {}", path,
                                                     sqlite3_errmsg(db->get())));
  }
  auto version = db->query_int("PRAGMA user_version", "read cache schema version");
  if (!version.ok()) return version.error();
  if (*version > latest_cache_schema_version()) {
    broken = true;
    return make_error(Errc::unavailable,
                      fmt::format("local cache: {} has schema version {}, written by a newer "
                                  "client (this one knows up to {})",
                                  path, *version, latest_cache_schema_version()));
  }

  auto mode = db->query_text("PRAGMA journal_mode = WAL", "switch to WAL journal mode");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal") {
    return make_error(
        Errc::unavailable,
        fmt::format("local cache: {} cannot use WAL journal mode (got {})", path, *mode));
  }
  // NORMAL: a power cut may lose the last commits, never consistency; the server has the
  // history again. The outbox asks for more per transaction (Impl::write).
  MESSENGER_TRY(db->execute("PRAGMA synchronous = NORMAL", "set synchronous"));
  MESSENGER_TRY(migrate_cache(*db));
  return db;
}

core::Message read_message(const Statement& row) {
  core::Message message;
  message.conversation_id = core::ConversationId(row.int64(0));
  message.seq = core::Seq(row.int64(1));
  message.rev = core::Rev(row.int64(2));
  message.sender_id = core::UserId(row.int64(3));
  message.client_msg_id = row.text(4);
  message.text = row.text(5);
  message.created_at = row.int64(6);
  message.edited_at = row.int64(7);
  message.deleted = row.boolean(8);
  return message;
}

OutboxEntry read_outbox_entry(const Statement& row) {
  OutboxEntry entry;
  entry.client_msg_id = row.text(0);
  entry.conversation_id = core::ConversationId(row.int64(1));
  entry.text = row.text(2);
  entry.created_at = row.int64(3);
  entry.failed = row.boolean(4);
  entry.error = row.text(5);
  return entry;
}

constexpr std::string_view kMessageColumns =
    "conversation_id, seq, rev, sender_id, client_msg_id, text, created_at, edited_at, deleted";

}  // namespace

struct LocalCache::Impl {
  explicit Impl(Database database) : db(std::move(database)) {}

  /// Runs one statement with `args` bound in order.
  template <typename... Args>
  core::Status exec(std::string_view sql, std::string_view what, const Args&... args) {
    auto stmt = db.prepare(sql, what);
    if (!stmt.ok()) return stmt.error();
    (stmt->bind(args), ...);
    return stmt->run();
  }

  /// Every row of one query, each read with `read`.
  template <typename Read, typename... Args>
  auto query(std::string_view sql, std::string_view what, Read read, const Args&... args)
      -> core::Result<std::vector<std::invoke_result_t<Read, const Statement&>>> {
    auto stmt = db.prepare(sql, what);
    if (!stmt.ok()) return stmt.error();
    (stmt->bind(args), ...);
    return stmt->all(read);
  }

  /// The rows of a query, or nothing (logged) when it fails: reads never fail loudly, the
  /// server has the data too.
  template <typename Read, typename... Args>
  auto rows_or_empty(std::string_view sql, std::string_view what, Read read, const Args&... args)
      -> std::vector<std::invoke_result_t<Read, const Statement&>> {
    auto rows = query(sql, what, read, args...);
    if (!rows.ok()) {
      log_if_failed(what, rows.error());
      return {};
    }
    return std::move(rows).value();
  }

  /// Runs `body` (returning a Status) as one transaction. A durable one commits with
  /// synchronous=FULL: the WAL is synced before this returns, so the change survives a power cut
  /// or an OS crash as well (at NORMAL a commit survives the application crashing, but the last
  /// ones may be lost with the machine). Every transaction that touches the outbox is durable:
  /// an unsent message must not vanish, and a removed one should not come back to be sent again.
  /// The pragma is switched per transaction, rather than keeping the outbox in a second file
  /// with its own setting, so that remove_conversation drops a conversation and its outbox
  /// entries atomically; other writes stay at NORMAL and cost no fsync.
  template <typename Body>
  core::Status write(bool durable, Body body) {
    if (durable) MESSENGER_TRY(exec("PRAGMA synchronous = FULL", "set synchronous"));
    auto status = [&]() -> core::Status {
      Savepoint savepoint(db);
      MESSENGER_TRY(savepoint.begin());
      MESSENGER_TRY(body());
      return savepoint.release();
    }();
    if (durable)
      log_if_failed("reset synchronous", exec("PRAGMA synchronous = NORMAL", "reset synchronous"));
    return status;
  }

  core::Status put_conversation(const protocol::ConversationSummary& summary) {
    return exec(
        "INSERT INTO conversations (id, summary) VALUES (?, ?) "
        "ON CONFLICT (id) DO UPDATE SET summary = excluded.summary",
        "save conversation", summary.conversation.conversation.id, encode_cached_summary(summary));
  }

  core::Status drop_conversation(core::ConversationId id) {
    MESSENGER_TRY(exec("DELETE FROM conversations WHERE id = ?", "remove conversation", id));
    MESSENGER_TRY(exec("DELETE FROM messages WHERE conversation_id = ?",
                       "remove messages of conversation", id));
    MESSENGER_TRY(exec("DELETE FROM sync_state WHERE conversation_id = ?",
                       "remove sync state of conversation", id));
    MESSENGER_TRY(
        exec("DELETE FROM drafts WHERE conversation_id = ?", "remove draft of conversation", id));
    return exec("DELETE FROM outbox WHERE conversation_id = ?", "remove outbox of conversation",
                id);
  }

  /// Errc::not_found when the last statement changed no row.
  core::Status expect_changed(std::string_view what, std::string_view client_msg_id) const {
    if (db.changes() > 0) return core::Ok{};
    return make_error(Errc::not_found,
                      fmt::format("local cache: {}: no outbox entry {}", what, client_msg_id));
  }

  Database db;
};

core::Result<std::unique_ptr<LocalCache>> LocalCache::open(const fs::path& file) {
  if (file.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) {
      return make_error(Errc::unavailable,
                        fmt::format("local cache: cannot create folder {}: {}",
                                    utf8_path(file.parent_path()), ec.message()));
    }
  }
  bool broken = false;
  auto db = open_cache_file(file, broken);
  if (!db.ok() && broken) {
    spdlog::warn("local cache: {}; moving it aside as {}.broken and starting a new cache",
                 db.error().message, utf8_path(file));
    MESSENGER_TRY(move_aside(file));
    db = open_cache_file(file, broken);
  }
  if (!db.ok()) return db.error();
  return std::unique_ptr<LocalCache>(new LocalCache(std::make_unique<Impl>(std::move(db).value())));
}

LocalCache::LocalCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LocalCache::~LocalCache() = default;

void LocalCache::replace_conversations(
    const std::vector<protocol::ConversationSummary>& conversations) {
  // Durable: dropping a conversation drops its outbox entries.
  log_if_failed("replace conversations", impl_->write(true, [&]() -> core::Status {
    auto stored = impl_->query("SELECT id FROM conversations", "list cached conversations",
                               [](const Statement& row) { return row.int64(0); });
    if (!stored.ok()) return stored.error();
    std::unordered_set<std::int64_t> kept;
    for (const auto& summary : conversations) {
      kept.insert(summary.conversation.conversation.id.value());
    }
    for (const auto id : *stored) {
      if (!kept.contains(id)) MESSENGER_TRY(impl_->drop_conversation(core::ConversationId(id)));
    }
    for (const auto& summary : conversations) MESSENGER_TRY(impl_->put_conversation(summary));
    return core::Ok{};
  }));
}

void LocalCache::save_conversation(const protocol::ConversationSummary& conversation) {
  log_if_failed("save conversation", impl_->put_conversation(conversation));
}

void LocalCache::remove_conversation(core::ConversationId id) {
  log_if_failed("remove conversation",
                impl_->write(true, [&] { return impl_->drop_conversation(id); }));
}

std::vector<protocol::ConversationSummary> LocalCache::conversations() const {
  const auto rows = impl_->rows_or_empty(
      "SELECT id, summary FROM conversations ORDER BY id", "read conversations",
      [](const Statement& row) { return std::pair(row.int64(0), row.text(1)); });
  std::vector<protocol::ConversationSummary> result;
  result.reserve(rows.size());
  for (const auto& [id, json] : rows) {
    if (auto summary = decode_cached_summary(json)) {
      result.push_back(std::move(*summary));
    } else {
      spdlog::warn("local cache: skipped unreadable conversation {}", id);
    }
  }
  return result;
}

void LocalCache::save_users(const std::vector<protocol::UserView>& users) {
  log_if_failed("save users", impl_->write(false, [&]() -> core::Status {
    for (const auto& view : users) {
      MESSENGER_TRY(
          impl_->exec("INSERT INTO users (id, user_view) VALUES (?, ?) "
                      "ON CONFLICT (id) DO UPDATE SET user_view = excluded.user_view",
                      "save user", view.user.id, encode_cached_user(view)));
    }
    return core::Ok{};
  }));
}

std::vector<protocol::UserView> LocalCache::users() const {
  const auto rows = impl_->rows_or_empty(
      "SELECT id, user_view FROM users ORDER BY id", "read users",
      [](const Statement& row) { return std::pair(row.int64(0), row.text(1)); });
  std::vector<protocol::UserView> result;
  result.reserve(rows.size());
  for (const auto& [id, json] : rows) {
    if (auto view = decode_cached_user(json)) {
      result.push_back(std::move(*view));
    } else {
      spdlog::warn("local cache: skipped unreadable user {}", id);
    }
  }
  return result;
}

void LocalCache::save_messages(const std::vector<core::Message>& messages) {
  if (messages.empty()) return;
  static const std::string kUpsert = fmt::format(
      "INSERT INTO messages ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (conversation_id, seq) DO UPDATE SET rev = excluded.rev, "
      "sender_id = excluded.sender_id, client_msg_id = excluded.client_msg_id, "
      "text = excluded.text, created_at = excluded.created_at, edited_at = excluded.edited_at, "
      "deleted = excluded.deleted WHERE excluded.rev >= messages.rev",
      kMessageColumns);
  log_if_failed("save messages", impl_->write(false, [&]() -> core::Status {
    for (const auto& m : messages) {
      // A deleted message keeps no text on this disk, whatever the caller passed.
      const std::string_view text = m.deleted ? std::string_view() : std::string_view(m.text);
      MESSENGER_TRY(impl_->exec(kUpsert, "save message", m.conversation_id, m.seq, m.rev,
                                m.sender_id, m.client_msg_id, text, m.created_at, m.edited_at,
                                m.deleted));
    }
    return core::Ok{};
  }));
}

std::vector<core::Message> LocalCache::messages_before(core::ConversationId id, core::Seq before,
                                                       int limit) const {
  if (limit <= 0) return {};
  static const std::string kSql = fmt::format(
      "SELECT {} FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
      kMessageColumns);
  const std::int64_t bound =
      before.is_valid() ? before.value() : std::numeric_limits<std::int64_t>::max();
  auto messages =
      impl_->rows_or_empty(kSql, "read messages before", read_message, id, bound, limit);
  std::reverse(messages.begin(), messages.end());
  return messages;
}

std::vector<core::Message> LocalCache::messages_after(core::ConversationId id, core::Seq after,
                                                      int limit) const {
  if (limit <= 0) return {};
  static const std::string kSql = fmt::format(
      "SELECT {} FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      kMessageColumns);
  return impl_->rows_or_empty(kSql, "read messages after", read_message, id, after, limit);
}

std::int64_t LocalCache::message_count(core::ConversationId id) const {
  const auto count = impl_->rows_or_empty(
      "SELECT count(*) FROM messages WHERE conversation_id = ?", "count messages",
      [](const Statement& row) { return row.int64(0); }, id);
  return count.empty() ? 0 : count.front();
}

core::Rev LocalCache::synced_rev(core::ConversationId id) const {
  const auto rev = impl_->rows_or_empty(
      "SELECT synced_rev FROM sync_state WHERE conversation_id = ?", "read synced rev",
      [](const Statement& row) { return core::Rev(row.int64(0)); }, id);
  return rev.empty() ? core::Rev() : rev.front();
}

void LocalCache::set_synced_rev(core::ConversationId id, core::Rev rev) {
  log_if_failed("set synced rev",
                impl_->exec("INSERT INTO sync_state (conversation_id, synced_rev) VALUES (?, ?) "
                            "ON CONFLICT (conversation_id) DO UPDATE SET "
                            "synced_rev = excluded.synced_rev",
                            "set synced rev", id, rev));
}

core::Status LocalCache::outbox_add(const OutboxEntry& entry) {
  return impl_->write(true, [&] {
    return impl_->exec(
        "INSERT INTO outbox (client_msg_id, conversation_id, text, created_at, failed, error) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "add to outbox", entry.client_msg_id, entry.conversation_id, entry.text, entry.created_at,
        entry.failed, entry.error);
  });
}

core::Status LocalCache::outbox_remove(std::string_view client_msg_id) {
  return impl_->write(true, [&] {
    return impl_->exec("DELETE FROM outbox WHERE client_msg_id = ?", "remove from outbox",
                       client_msg_id);
  });
}

core::Status LocalCache::outbox_mark_failed(std::string_view client_msg_id,
                                            std::string_view error) {
  return impl_->write(true, [&]() -> core::Status {
    MESSENGER_TRY(impl_->exec("UPDATE outbox SET failed = 1, error = ? WHERE client_msg_id = ?",
                              "mark outbox entry failed", error, client_msg_id));
    return impl_->expect_changed("mark outbox entry failed", client_msg_id);
  });
}

core::Status LocalCache::outbox_retry(std::string_view client_msg_id) {
  return impl_->write(true, [&]() -> core::Status {
    MESSENGER_TRY(impl_->exec("UPDATE outbox SET failed = 0, error = '' WHERE client_msg_id = ?",
                              "retry outbox entry", client_msg_id));
    return impl_->expect_changed("retry outbox entry", client_msg_id);
  });
}

std::vector<OutboxEntry> LocalCache::outbox() const {
  return impl_->rows_or_empty(
      "SELECT client_msg_id, conversation_id, text, created_at, failed, error FROM outbox "
      "ORDER BY position",
      "read outbox", read_outbox_entry);
}

void LocalCache::set_draft(core::ConversationId id, std::string_view text) {
  if (text.empty()) {
    log_if_failed("remove draft",
                  impl_->exec("DELETE FROM drafts WHERE conversation_id = ?", "remove draft", id));
    return;
  }
  log_if_failed("save draft",
                impl_->exec("INSERT INTO drafts (conversation_id, text) VALUES (?, ?) "
                            "ON CONFLICT (conversation_id) DO UPDATE SET text = excluded.text",
                            "save draft", id, text));
}

std::string LocalCache::draft(core::ConversationId id) const {
  auto text = impl_->rows_or_empty(
      "SELECT text FROM drafts WHERE conversation_id = ?", "read draft",
      [](const Statement& row) { return row.text(0); }, id);
  return text.empty() ? std::string() : std::move(text.front());
}

void LocalCache::set_value(std::string_view key, std::string_view value) {
  log_if_failed("save value", impl_->exec("INSERT INTO kv (key, value) VALUES (?, ?) "
                                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                          "save value", key, value));
}

void LocalCache::remove_value(std::string_view key) {
  log_if_failed("remove value", impl_->exec("DELETE FROM kv WHERE key = ?", "remove value", key));
}

std::optional<std::string> LocalCache::value(std::string_view key) const {
  auto value = impl_->rows_or_empty(
      "SELECT value FROM kv WHERE key = ?", "read value",
      [](const Statement& row) { return row.text(0); }, key);
  if (value.empty()) return std::nullopt;
  return std::move(value.front());
}

}  // namespace messenger::client
