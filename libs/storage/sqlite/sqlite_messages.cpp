#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>

#include "sqlite_store_impl.h"

namespace messenger::storage::sqlite {
namespace {

#define MESSAGE_COLUMNS \
  "conversation_id, seq, rev, sender_id, client_msg_id, text, created_at, edited_at, deleted"

Message read_message(const Statement& row) {
  Message message;
  message.conversation_id = ConversationId(row.int64(0));
  message.seq = Seq(row.int64(1));
  message.rev = Rev(row.int64(2));
  message.sender_id = UserId(row.int64(3));
  message.client_msg_id = row.text(4);
  message.text = row.text(5);
  message.created_at = row.int64(6);
  message.edited_at = row.int64(7);
  message.deleted = row.boolean(8);
  return message;
}

core::Error no_conversation(ConversationId id) {
  return core::make_error(core::Errc::not_found,
                          fmt::format("conversation {} does not exist", id.value()));
}

}  // namespace

Result<std::vector<Message>> SqliteStore::append_messages(std::span<const NewMessage> messages) {
  std::vector<Message> stored;
  stored.reserve(messages.size());
  // One message inside a unit of work needs no savepoint of its own: its INSERT either stores
  // it or changes nothing (a duplicate client id, a missing conversation), and the UPDATE after
  // it fails only when the database does (Errc::unavailable), after which the caller rolls the
  // whole unit back. Several messages, or autocommit mode, still need one to be all or nothing.
  std::optional<Savepoint> savepoint;
  if (messages.size() > 1 || !db_.in_transaction()) {
    savepoint.emplace(db_);
    MESSENGER_TRY(savepoint->begin());
  }
  for (const auto& message : messages) {
    auto row = append_one(message);
    if (!row.ok()) return row.error();
    stored.push_back(std::move(row.value()));
  }
  if (savepoint) MESSENGER_TRY(savepoint->release());
  return stored;
}

Result<Message> SqliteStore::append_message_after(const NewMessage& message, Seq last_seq,
                                                  Rev last_rev) {
  // The counters come from the caller (the conversation cache): no SELECT per message. Same
  // savepoint rule as append_messages with one message.
  std::optional<Savepoint> savepoint;
  if (!db_.in_transaction()) {
    savepoint.emplace(db_);
    MESSENGER_TRY(savepoint->begin());
  }
  auto row = insert_message(message, last_seq, last_rev);
  if (!row.ok() && row.error().code != core::Errc::conflict) return row.error();
  Message stored;
  if (row.ok() && *row) {
    stored = std::move(**row);
  } else {
    // The caller's numbers were wrong: behind (the seq was taken, unless the client id is a
    // duplicate) or ahead (a transaction SQLite rolled back on its own after the cache moved).
    // Read them, so that a stale cache costs a statement and never a gap or a refused send.
    auto fresh = append_one(message);
    if (!fresh.ok()) return fresh.error();
    stored = std::move(fresh.value());
  }
  if (savepoint) MESSENGER_TRY(savepoint->release());
  return stored;
}

Result<Message> SqliteStore::append_one(const NewMessage& message) {
  auto counters = read_counters(message.conversation_id);
  if (!counters.ok()) return counters.error();
  auto row = insert_message(message, counters->first, counters->second);
  if (!row.ok()) return row.error();
  if (!*row) {
    return core::make_error(core::Errc::internal,
                            fmt::format("conversation {} changed between reading its counters and "
                                        "appending to it",
                                        message.conversation_id.value()));
  }
  return std::move(**row);
}

Result<std::pair<Seq, Rev>> SqliteStore::read_counters(ConversationId id) {
  auto counters = db_.prepare("SELECT last_seq, last_rev FROM conversations WHERE id = ?",
                              "read conversation counters");
  if (!counters.ok()) return counters.error();
  counters->bind(id);
  auto numbers = counters->one([](const Statement& r) {
    return std::pair{Seq(r.int64(0)), Rev(r.int64(1))};
  });
  if (!numbers.ok()) return numbers.error();
  if (!*numbers) return no_conversation(id);
  return **numbers;
}

Result<std::optional<Message>> SqliteStore::insert_message(const NewMessage& message, Seq last_seq,
                                                           Rev last_rev) {
  // Plain VALUES with counters read before: an INSERT ... SELECT ... RETURNING built two
  // temporary b-trees per message (RETURNING's result table and the statement journal of a
  // multi-row insert), ~25k instructions of the ~80k an append cost.
  Message row = message.stored_after(last_seq, last_rev);
  {
    auto insert =
        db_.prepare("INSERT INTO messages (" MESSAGE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
                    "append message");
    if (!insert.ok()) return insert.error();
    insert->bind(row.conversation_id)
        .bind(row.seq)
        .bind(row.rev)
        .bind(row.sender_id)
        // `row` outlives `insert`, which resets the statement when it goes out of scope.
        .bind_unowned(row.client_msg_id)
        .bind_unowned(row.text)
        .bind(row.created_at);
    MESSENGER_TRY(insert->run());
  }
  // last_activity never moves backwards, even when a sender's clock is behind. The counters
  // move only from the numbers the row was made with, so that numbers that were ahead of the
  // stored ones cannot leave a gap (docs/storage.md, "Seq and rev").
  auto advance = db_.prepare(
      "UPDATE conversations SET last_seq = ?, last_rev = ?, last_activity = max(last_activity, ?)"
      " WHERE id = ? AND last_seq = ? AND last_rev = ?",
      "advance conversation counters");
  if (!advance.ok()) return advance.error();
  advance->bind(row.seq)
      .bind(row.rev)
      .bind(row.created_at)
      .bind(row.conversation_id)
      .bind(last_seq)
      .bind(last_rev);
  MESSENGER_TRY(advance->run());
  if (db_.changes() == 1) return std::optional<Message>(std::move(row));
  auto undo = db_.prepare("DELETE FROM messages WHERE conversation_id = ? AND seq = ?",
                          "undo append with stale counters");
  if (!undo.ok()) return undo.error();
  undo->bind(row.conversation_id).bind(row.seq);
  MESSENGER_TRY(undo->run());
  return std::optional<Message>();
}

Result<std::optional<Message>> SqliteStore::find_message(ConversationId id, Seq seq) {
  auto stmt =
      db_.prepare("SELECT " MESSAGE_COLUMNS " FROM messages WHERE conversation_id = ? AND seq = ?",
                  "find message");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id).bind(seq);
  return stmt->one(read_message);
}

Result<std::optional<Message>> SqliteStore::find_message_by_client_id(
    UserId sender, std::string_view client_msg_id) {
  auto stmt = db_.prepare("SELECT " MESSAGE_COLUMNS
                          " FROM messages WHERE sender_id = ? AND client_msg_id = ?",
                          "find message by client id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(sender).bind(client_msg_id);
  return stmt->one(read_message);
}

Result<Message> SqliteStore::update_message(ConversationId id, Seq seq,
                                            std::optional<std::string_view> new_text,
                                            TimestampMs when) {
  Savepoint savepoint(db_);
  MESSENGER_TRY(savepoint.begin());
  std::pair<Rev, Seq> counters;
  {
    auto next = db_.prepare(
        "UPDATE conversations SET last_rev = last_rev + 1 WHERE id = ?"
        " RETURNING last_rev, last_seq",
        "allocate message rev");
    if (!next.ok()) return next.error();
    next->bind(id);
    auto value = next->one([](const Statement& r) {
      return std::pair{Rev(r.int64(0)), Seq(r.int64(1))};
    });
    if (!value.ok()) return value.error();
    if (!*value) return no_conversation(id);
    counters = **value;
  }
  const Rev rev = counters.first;
  std::optional<Message> updated;
  {
    // An edit keeps the text and stamps edited_at; a delete empties the text and keeps
    // edited_at. The savepoint gives the rev back when the message does not exist.
    auto stmt = db_.prepare(
        "UPDATE messages SET rev = ?1, changed = 1,"
        " text = CASE WHEN ?2 THEN '' ELSE ?3 END,"
        " edited_at = CASE WHEN ?2 THEN edited_at ELSE ?4 END,"
        " deleted = CASE WHEN ?2 THEN 1 ELSE deleted END"
        " WHERE conversation_id = ?5 AND seq = ?6 RETURNING " MESSAGE_COLUMNS,
        "update message");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(rev)
        .bind(!new_text.has_value())
        .bind(new_text.value_or(""))
        .bind(when)
        .bind(id)
        .bind(seq);
    auto row = stmt->one(read_message);
    if (!row.ok()) return row.error();
    updated = std::move(*row);
  }
  if (!updated) {
    return core::make_error(
        core::Errc::not_found,
        fmt::format("message {} of conversation {} does not exist", seq.value(), id.value()));
  }
  MESSENGER_TRY(mark_rev(id, rev, counters.second));
  MESSENGER_TRY(savepoint.release());
  return std::move(*updated);
}

Status SqliteStore::mark_rev(ConversationId id, Rev rev, Seq last_seq) {
  std::optional<std::pair<Rev, Seq>> latest;
  {
    auto stmt = db_.prepare(
        "SELECT rev, seq FROM rev_marks WHERE conversation_id = ? ORDER BY rev DESC LIMIT 1",
        "read the latest rev mark");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(id);
    auto mark = stmt->one([](const Statement& r) {
      return std::pair{Rev(r.int64(0)), Seq(r.int64(1))};
    });
    if (!mark.ok()) return mark.error();
    latest = *mark;
  }
  // One mark per run of edits with no message appended in between: the run's last rev.
  if (latest && latest->second == last_seq) {
    return update_one("UPDATE rev_marks SET rev = ? WHERE conversation_id = ? AND rev = ?",
                      "move the rev mark", rev, id, latest->first);
  }
  auto insert = db_.prepare("INSERT INTO rev_marks (conversation_id, rev, seq) VALUES (?, ?, ?)",
                            "add a rev mark");
  if (!insert.ok()) return insert.error();
  insert->bind(id).bind(rev).bind(last_seq);
  return insert->run();
}

Result<std::vector<Message>> SqliteStore::history(ConversationId id, const HistoryQuery& query) {
  if (query.limit <= 0) return std::vector<Message>{};
  if (query.direction == HistoryDirection::after) {
    auto stmt = db_.prepare("SELECT " MESSAGE_COLUMNS
                            " FROM messages WHERE conversation_id = ? AND seq > ?"
                            " ORDER BY seq LIMIT ?",
                            "read history after");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(id).bind(query.anchor).bind(query.limit);
    return stmt->all(read_message);
  }
  const std::int64_t below =
      query.anchor.value() > 0 ? query.anchor.value() : std::numeric_limits<std::int64_t>::max();
  auto stmt = db_.prepare("SELECT " MESSAGE_COLUMNS
                          " FROM messages WHERE conversation_id = ? AND seq < ?"
                          " ORDER BY seq DESC LIMIT ?",
                          "read history before");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id).bind(below).bind(query.limit);
  auto page = stmt->all(read_message);
  if (!page.ok()) return page.error();
  std::reverse(page->begin(), page->end());
  return page;
}

Result<std::vector<Message>> SqliteStore::changes_since(ConversationId id, Rev after, int limit) {
  if (limit <= 0) return std::vector<Message>{};
  // Messages never changed: in seq order their revs rise too, so they are read through the seq
  // index from the first seq whose rev can be above `after`.
  auto from = first_seq_after_rev(id, after);
  if (!from.ok()) return from.error();
  auto appended_stmt = db_.prepare("SELECT " MESSAGE_COLUMNS
                                   " FROM messages WHERE conversation_id = ? AND seq > ?"
                                   " AND changed = 0 AND rev > ? ORDER BY seq LIMIT ?",
                                   "read messages appended since a rev");
  if (!appended_stmt.ok()) return appended_stmt.error();
  appended_stmt->bind(id).bind(*from).bind(after).bind(limit);
  auto appended = appended_stmt->all(read_message);
  if (!appended.ok()) return appended.error();
  // Edited and deleted messages, through the index that holds only them.
  auto changed_stmt = db_.prepare("SELECT " MESSAGE_COLUMNS
                                  " FROM messages WHERE conversation_id = ? AND changed = 1"
                                  " AND rev > ? ORDER BY rev LIMIT ?",
                                  "read messages changed since a rev");
  if (!changed_stmt.ok()) return changed_stmt.error();
  changed_stmt->bind(id).bind(after).bind(limit);
  auto changed = changed_stmt->all(read_message);
  if (!changed.ok()) return changed.error();

  std::vector<Message> merged;
  merged.reserve(appended->size() + changed->size());
  std::merge(std::make_move_iterator(appended->begin()), std::make_move_iterator(appended->end()),
             std::make_move_iterator(changed->begin()), std::make_move_iterator(changed->end()),
             std::back_inserter(merged),
             [](const Message& a, const Message& b) { return a.rev < b.rev; });
  if (merged.size() > static_cast<std::size_t>(limit)) merged.resize(limit);
  return merged;
}

Result<std::int64_t> SqliteStore::first_seq_after_rev(ConversationId id, Rev after) {
  // A mark (rev, seq) says: the conversation's last edit so far had that rev while its last
  // message had that seq. Unchanged messages up to that seq have revs up to the mark's; those
  // appended after it, until the next mark, have rev = seq + (mark rev - mark seq). So with the
  // last mark at or below `after` (none: rev = seq), an unchanged message after that mark is
  // above `after` exactly when its seq is above after - (rev - seq); and every unchanged message
  // after the next mark is above it.
  std::int64_t offset = 0;
  {
    auto below = db_.prepare(
        "SELECT rev, seq FROM rev_marks WHERE conversation_id = ? AND rev <= ?"
        " ORDER BY rev DESC LIMIT 1",
        "read the rev mark at or below a rev");
    if (!below.ok()) return below.error();
    below->bind(id).bind(after);
    auto mark = below->one([](const Statement& r) { return r.int64(0) - r.int64(1); });
    if (!mark.ok()) return mark.error();
    offset = mark->value_or(0);
  }
  std::int64_t from = after.value() - offset;
  auto above = db_.prepare(
      "SELECT seq FROM rev_marks WHERE conversation_id = ? AND rev > ? ORDER BY rev LIMIT 1",
      "read the rev mark above a rev");
  if (!above.ok()) return above.error();
  above->bind(id).bind(after);
  auto next_seq = above->one([](const Statement& r) { return r.int64(0); });
  if (!next_seq.ok()) return next_seq.error();
  if (*next_seq) from = std::min(from, **next_seq);
  return from;
}

Result<std::int64_t> SqliteStore::count_unread(ConversationId id, UserId reader, Seq after_seq) {
  auto stmt = db_.prepare(
      "SELECT count(*) FROM messages WHERE conversation_id = ? AND seq > ? AND deleted = 0"
      " AND sender_id != ?",
      "count unread");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id).bind(after_seq).bind(reader);
  auto value = stmt->one([](const Statement& row) { return row.int64(0); });
  if (!value.ok()) return value.error();
  return value->value_or(0);
}

}  // namespace messenger::storage::sqlite

#undef MESSAGE_COLUMNS
