// How each domain type is laid out as a MongoDB document (see docs/storage.md).

#include <fmt/format.h>

#include "mongo_store_impl.h"

namespace messenger::storage::mongo {

using core::ConversationKind;
using core::MemberRole;

BsonDoc profile_fields(const Profile& profile) {
  BsonDoc out;
  out.str("display_name", profile.display_name)
      .str("department", profile.department)
      .str("title", profile.title)
      .str("email", profile.email)
      .str("status_text", profile.status_text);
  return out;
}

BsonDoc user_document(const User& user, std::string_view password_hash) {
  BsonDoc out;
  out.i64("_id", user.id.value())
      .str("username", user.username)
      .str("password_hash", password_hash)
      .fields_of(profile_fields(user.profile))
      .boolean("is_admin", user.is_admin)
      .boolean("disabled", user.disabled)
      .i64("created_at", user.created_at)
      .i64("last_seen", user.last_seen);
  return out;
}

User user_from(const BsonDoc& doc) {
  User user;
  user.id = UserId(doc.int64("_id"));
  user.username = doc.string("username");
  user.profile.display_name = doc.string("display_name");
  user.profile.department = doc.string("department");
  user.profile.title = doc.string("title");
  user.profile.email = doc.string("email");
  user.profile.status_text = doc.string("status_text");
  user.is_admin = doc.boolean_at("is_admin");
  user.disabled = doc.boolean_at("disabled");
  user.created_at = doc.int64("created_at");
  user.last_seen = doc.int64("last_seen");
  return user;
}

BsonDoc session_document(const AuthSession& session) {
  BsonDoc out;
  out.i64("_id", session.id.value())
      .str("token_hash", session.token_hash)
      .i64("user_id", session.user_id.value())
      .str("device", session.device)
      .i64("created_at", session.created_at)
      .i64("expires_at", session.expires_at);
  return out;
}

AuthSession session_from(const BsonDoc& doc) {
  return AuthSession{.id = AuthSessionId(doc.int64("_id")),
                     .user_id = UserId(doc.int64("user_id")),
                     .token_hash = doc.string("token_hash"),
                     .device = doc.string("device"),
                     .created_at = doc.int64("created_at"),
                     .expires_at = doc.int64("expires_at")};
}

std::string direct_key(UserId a, UserId b) {
  const auto [low, high] = std::minmax(a, b);
  return fmt::format("{}:{}", low.value(), high.value());
}

BsonDoc conversation_document(const Conversation& c, std::string_view direct) {
  BsonDoc out;
  out.i64("_id", c.id.value())
      .str("kind", core::to_string(c.kind))
      .str("name", c.name)
      .str("topic", c.topic)
      .i64("created_by", c.created_by.value())
      .boolean("archived", c.archived)
      .i64("created_at", c.created_at)
      .i64("last_seq", c.last_seq.value())
      .i64("last_rev", c.last_rev.value())
      .i64("last_activity", c.last_activity)
      .str("direct_key", direct);
  return out;
}

Conversation conversation_from(const BsonDoc& doc) {
  Conversation c;
  c.id = ConversationId(doc.int64("_id"));
  c.kind =
      core::conversation_kind_from_string(doc.string("kind")).value_or(ConversationKind::group);
  c.name = doc.string("name");
  c.topic = doc.string("topic");
  c.created_by = UserId(doc.int64("created_by"));
  c.archived = doc.boolean_at("archived");
  c.created_at = doc.int64("created_at");
  c.last_seq = Seq(doc.int64("last_seq"));
  c.last_rev = Rev(doc.int64("last_rev"));
  c.last_activity = doc.int64("last_activity");
  return c;
}

std::string member_key(ConversationId conversation, UserId user) {
  return fmt::format("{}:{}", conversation.value(), user.value());
}

BsonDoc member_document(ConversationId conversation, const Member& member) {
  BsonDoc out;
  out.str("_id", member_key(conversation, member.user_id))
      .i64("conversation_id", conversation.value())
      .i64("user_id", member.user_id.value())
      .str("role", core::to_string(member.role))
      .i64("last_read", member.last_read.value())
      .i64("joined_at", member.joined_at);
  return out;
}

Member member_from(const BsonDoc& doc) {
  return Member{.user_id = UserId(doc.int64("user_id")),
                .role = doc.string("role") == "owner" ? MemberRole::owner : MemberRole::member,
                .last_read = Seq(doc.int64("last_read")),
                .joined_at = doc.int64("joined_at")};
}

std::string message_key(ConversationId conversation, Seq seq) {
  return fmt::format("{}:{}", conversation.value(), seq.value());
}

BsonDoc message_document(const Message& m) {
  BsonDoc out;
  out.str("_id", message_key(m.conversation_id, m.seq))
      .i64("conversation_id", m.conversation_id.value())
      .i64("seq", m.seq.value())
      .i64("rev", m.rev.value())
      .i64("sender_id", m.sender_id.value())
      .str("client_msg_id", m.client_msg_id)
      .str("text", m.text)
      .i64("created_at", m.created_at)
      .i64("edited_at", m.edited_at)
      .boolean("deleted", m.deleted);
  return out;
}

Message message_from(const BsonDoc& doc) {
  return Message{.conversation_id = ConversationId(doc.int64("conversation_id")),
                 .seq = Seq(doc.int64("seq")),
                 .rev = Rev(doc.int64("rev")),
                 .sender_id = UserId(doc.int64("sender_id")),
                 .client_msg_id = doc.string("client_msg_id"),
                 .text = doc.string("text"),
                 .created_at = doc.int64("created_at"),
                 .edited_at = doc.int64("edited_at"),
                 .deleted = doc.boolean_at("deleted")};
}

}  // namespace messenger::storage::mongo
