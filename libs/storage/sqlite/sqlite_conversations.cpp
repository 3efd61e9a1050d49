#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "sqlite_store_impl.h"

namespace messenger::storage::sqlite {
namespace {

using core::ConversationKind;
using core::MemberRole;

#define CONVERSATION_COLUMNS                                                            \
  "c.id, c.kind, c.name, c.topic, c.created_by, c.archived, c.created_at, c.last_seq, " \
  "c.last_rev, c.last_activity"

Conversation read_conversation(const Statement& row) {
  Conversation conversation;
  conversation.id = ConversationId(row.int64(0));
  conversation.kind =
      core::conversation_kind_from_string(row.text(1)).value_or(ConversationKind::group);
  conversation.name = row.text(2);
  conversation.topic = row.text(3);
  conversation.created_by = UserId(row.int64(4));
  conversation.archived = row.boolean(5);
  conversation.created_at = row.int64(6);
  conversation.last_seq = Seq(row.int64(7));
  conversation.last_rev = Rev(row.int64(8));
  conversation.last_activity = row.int64(9);
  return conversation;
}

Member read_member(const Statement& row) {
  return Member{.user_id = UserId(row.int64(0)),
                .role = row.text(1) == "owner" ? MemberRole::owner : MemberRole::member,
                .last_read = Seq(row.int64(2)),
                .joined_at = row.int64(3)};
}

/// The two members of a direct conversation, lower id first: the key find_direct looks up.
std::optional<std::pair<UserId, UserId>> direct_pair(std::span<const Member> members) {
  if (members.size() != 2 || members[0].user_id == members[1].user_id) return std::nullopt;
  return std::minmax(members[0].user_id, members[1].user_id);
}

}  // namespace

Result<Conversation> SqliteStore::create_conversation(const Conversation& conversation,
                                                      std::span<const Member> members) {
  const bool direct = conversation.kind == ConversationKind::direct;
  const auto pair = direct_pair(members);
  if (direct && !pair) {
    return core::make_error(core::Errc::bad_request,
                            "a direct conversation needs exactly two different members");
  }
  Savepoint savepoint(db_);
  MESSENGER_TRY(savepoint.begin());
  Conversation created = conversation;
  created.last_seq = Seq();
  created.last_rev = Rev();
  if (created.last_activity == 0) created.last_activity = created.created_at;
  {
    auto stmt = db_.prepare(
        "INSERT INTO conversations (kind, name, topic, created_by, archived, created_at, "
        "last_activity, direct_low, direct_high) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "create conversation");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(core::to_string(created.kind))
        .bind(created.name)
        .bind(created.topic)
        .bind(created.created_by)
        .bind(created.archived)
        .bind(created.created_at)
        .bind(created.last_activity);
    if (direct) {
      stmt->bind(pair->first).bind(pair->second);
    } else {
      stmt->bind_null().bind_null();
    }
    if (auto done = stmt->run(); !done.ok()) {
      if (direct && done.error().code == core::Errc::conflict) {
        return core::make_error(core::Errc::conflict,
                                "a direct conversation between these users exists");
      }
      return done.error();
    }
    created.id = ConversationId(db_.last_insert_id());
  }
  for (const auto& member : members) {
    MESSENGER_TRY(add_member(created.id, member));
  }
  MESSENGER_TRY(savepoint.release());
  return created;
}

Result<std::optional<Conversation>> SqliteStore::find_conversation(ConversationId id) {
  auto stmt = db_.prepare("SELECT " CONVERSATION_COLUMNS " FROM conversations c WHERE c.id = ?",
                          "find conversation");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id);
  return stmt->one(read_conversation);
}

Result<std::optional<ConversationId>> SqliteStore::find_direct(UserId a, UserId b) {
  const auto [low, high] = std::minmax(a, b);
  auto stmt = db_.prepare(
      "SELECT id FROM conversations WHERE kind = 'direct' AND direct_low = ? AND direct_high = ?",
      "find direct conversation");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(low).bind(high);
  return stmt->one([](const Statement& row) { return ConversationId(row.int64(0)); });
}

Status SqliteStore::update_conversation(const Conversation& conversation) {
  return update_one("UPDATE conversations SET name = ?, topic = ?, archived = ? WHERE id = ?",
                    "update conversation", conversation.name, conversation.topic,
                    conversation.archived, conversation.id);
}

Result<std::vector<Member>> SqliteStore::members(ConversationId id) {
  auto stmt = db_.prepare(
      "SELECT user_id, role, last_read, joined_at FROM members WHERE conversation_id = ? "
      "ORDER BY user_id",
      "list members");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id);
  return stmt->all(read_member);
}

Result<std::optional<Member>> SqliteStore::find_member(ConversationId id, UserId user) {
  auto stmt = db_.prepare(
      "SELECT user_id, role, last_read, joined_at FROM members "
      "WHERE conversation_id = ? AND user_id = ?",
      "find member");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id).bind(user);
  return stmt->one(read_member);
}

Result<std::int64_t> SqliteStore::count_members(ConversationId id) {
  return count("SELECT count(*) FROM members WHERE conversation_id = ?", "count members",
               id.value());
}

Status SqliteStore::add_member(ConversationId id, const Member& member) {
  auto stmt = db_.prepare(
      "INSERT INTO members (conversation_id, user_id, role, last_read, joined_at) "
      "VALUES (?, ?, ?, ?, ?)",
      "add member");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id)
      .bind(member.user_id)
      .bind(core::to_string(member.role))
      .bind(member.last_read)
      .bind(member.joined_at);
  return stmt->run();
}

Status SqliteStore::remove_member(ConversationId id, UserId user) {
  return update_one("DELETE FROM members WHERE conversation_id = ? AND user_id = ?",
                    "remove member", id, user);
}

Status SqliteStore::set_last_read(ConversationId id, UserId user, Seq seq) {
  return update_one("UPDATE members SET last_read = ? WHERE conversation_id = ? AND user_id = ?",
                    "set last read", seq, id, user);
}

Result<std::vector<Conversation>> SqliteStore::conversations_of(UserId user) {
  auto stmt = db_.prepare("SELECT " CONVERSATION_COLUMNS
                          " FROM members m JOIN conversations c ON c.id = m.conversation_id"
                          " WHERE m.user_id = ? ORDER BY c.last_activity DESC, c.id DESC",
                          "list conversations of user");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(user);
  return stmt->all(read_conversation);
}

Result<std::vector<Conversation>> SqliteStore::public_channels(std::string_view query, int limit) {
  if (limit <= 0) return std::vector<Conversation>{};
  // The WHERE clause implies that of conversations_open_channels, which yields rows in name order.
  auto stmt = db_.prepare("SELECT " CONVERSATION_COLUMNS
                          " FROM conversations c"
                          " WHERE c.kind = 'channel' AND c.archived = 0"
                          " AND c.name LIKE ? ESCAPE '\\' ORDER BY c.name, c.id LIMIT ?",
                          "list public channels");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(contains_pattern(query)).bind(limit);
  return stmt->all(read_conversation);
}

Result<std::vector<UserId>> SqliteStore::contacts_of(UserId user) {
  auto stmt = db_.prepare(
      "SELECT DISTINCT other.user_id FROM members mine"
      " JOIN members other ON other.conversation_id = mine.conversation_id"
      " WHERE mine.user_id = ?1 AND other.user_id != ?1 ORDER BY other.user_id",
      "list contacts of user");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(user);
  return stmt->all([](const Statement& row) { return UserId(row.int64(0)); });
}

Result<std::vector<Conversation>> SqliteStore::list_conversations(ConversationId after, int limit) {
  if (limit <= 0) return std::vector<Conversation>{};
  auto stmt = db_.prepare("SELECT " CONVERSATION_COLUMNS
                          " FROM conversations c WHERE c.id > ? ORDER BY c.id LIMIT ?",
                          "list conversations");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(after).bind(limit);
  return stmt->all(read_conversation);
}

}  // namespace messenger::storage::sqlite

#undef CONVERSATION_COLUMNS
