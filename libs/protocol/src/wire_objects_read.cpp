#include "wire_objects_read.h"

#include <limits>

namespace messenger::protocol::detail {
namespace {

using core::Status;

constexpr Need kRequired = Need::required;
constexpr int kMaxInt = std::numeric_limits<int>::max();

}  // namespace

Status from_json(const FieldReader& fields, UserView& out) {
  core::User& user = out.user;
  core::Profile& profile = user.profile;
  MESSENGER_TRY(fields.counter("id", user.id, kRequired));
  MESSENGER_TRY(fields.string("username", user.username, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("display_name", profile.display_name, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("department", profile.department, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("title", profile.title, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("email", profile.email, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("status_text", profile.status_text, kAnyString, kRequired));
  MESSENGER_TRY(fields.boolean("is_admin", user.is_admin, kRequired));
  MESSENGER_TRY(fields.boolean("disabled", user.disabled, kRequired));
  MESSENGER_TRY(fields.counter("created_at", user.created_at, kRequired));
  MESSENGER_TRY(fields.counter("last_seen", user.last_seen, kRequired));
  return read_enum(fields, "presence", out.presence, &presence_state_from_string);
}

Status from_json(const FieldReader& fields, core::Conversation& out) {
  MESSENGER_TRY(fields.counter("id", out.id, kRequired));
  MESSENGER_TRY(read_enum(fields, "kind", out.kind, &core::conversation_kind_from_string));
  MESSENGER_TRY(fields.string("name", out.name, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("topic", out.topic, kAnyString, kRequired));
  MESSENGER_TRY(fields.counter("created_by", out.created_by, kRequired));
  MESSENGER_TRY(fields.boolean("archived", out.archived, kRequired));
  MESSENGER_TRY(fields.counter("created_at", out.created_at, kRequired));
  MESSENGER_TRY(fields.counter("last_seq", out.last_seq, kRequired));
  MESSENGER_TRY(fields.counter("last_rev", out.last_rev, kRequired));
  return fields.counter("last_activity", out.last_activity, kRequired);
}

Status from_json(const FieldReader& fields, ConversationDetails& out) {
  MESSENGER_TRY(from_json(fields, out.conversation));
  return read_array(fields, "members", out.members);
}

Status from_json(const FieldReader& fields, core::Member& out) {
  MESSENGER_TRY(fields.counter("user_id", out.user_id, kRequired));
  MESSENGER_TRY(read_enum(fields, "role", out.role, &core::member_role_from_string));
  MESSENGER_TRY(fields.counter("last_read", out.last_read, kRequired));
  return fields.counter("joined_at", out.joined_at, kRequired);
}

Status from_json(const FieldReader& fields, core::Message& out) {
  MESSENGER_TRY(fields.counter("conversation_id", out.conversation_id, kRequired));
  MESSENGER_TRY(fields.counter("seq", out.seq, kRequired));
  MESSENGER_TRY(fields.counter("rev", out.rev, kRequired));
  MESSENGER_TRY(fields.counter("sender_id", out.sender_id, kRequired));
  MESSENGER_TRY(fields.string("client_msg_id", out.client_msg_id, kAnyString, kRequired));
  MESSENGER_TRY(fields.string("text", out.text, kAnyString, kRequired));
  MESSENGER_TRY(fields.counter("created_at", out.created_at, kRequired));
  MESSENGER_TRY(fields.counter("edited_at", out.edited_at, kRequired));
  return fields.boolean("deleted", out.deleted, kRequired);
}

Status from_json(const FieldReader& fields, ConversationSummary& out) {
  MESSENGER_TRY(read_object(fields, "conversation", out.conversation));
  MESSENGER_TRY(read_optional_object(fields, "last_message", out.last_message));
  MESSENGER_TRY(fields.counter("unread", out.unread, kRequired));
  return fields.counter("last_read", out.last_read, kRequired);
}

Status from_json(const FieldReader& fields, ChannelInfo& out) {
  MESSENGER_TRY(read_object(fields, "conversation", out.conversation));
  MESSENGER_TRY(fields.counter("member_count", out.member_count, kRequired));
  return fields.boolean("joined", out.joined, kRequired);
}

Status from_json(const FieldReader& fields, Limits& out) {
  MESSENGER_TRY(fields.counter("max_frame_bytes", out.max_frame_bytes, kRequired));
  MESSENGER_TRY(fields.integer("max_json_depth", out.max_json_depth, 0, kMaxInt, kRequired));
  MESSENGER_TRY(fields.counter("max_text_bytes", out.max_text_bytes, kRequired));
  MESSENGER_TRY(fields.counter("max_settings_bytes", out.max_settings_bytes, kRequired));
  MESSENGER_TRY(fields.counter("max_name_chars", out.max_name_chars, kRequired));
  MESSENGER_TRY(fields.counter("max_topic_chars", out.max_topic_chars, kRequired));
  MESSENGER_TRY(fields.counter("max_profile_field_chars", out.max_profile_field_chars, kRequired));
  MESSENGER_TRY(fields.counter("max_client_msg_id_chars", out.max_client_msg_id_chars, kRequired));
  MESSENGER_TRY(fields.counter("max_request_id_chars", out.max_request_id_chars, kRequired));
  MESSENGER_TRY(fields.counter("max_password_bytes", out.max_password_bytes, kRequired));
  MESSENGER_TRY(fields.counter("min_password_chars", out.min_password_chars, kRequired));
  MESSENGER_TRY(fields.counter("max_ids_per_request", out.max_ids_per_request, kRequired));
  return fields.integer("history_page_max", out.history_page_max, 0, kMaxInt, kRequired);
}

}  // namespace messenger::protocol::detail
