#include "wire_objects.h"

namespace messenger::protocol {

std::string_view to_string(PresenceState state) {
  switch (state) {
    case PresenceState::online:
      return "online";
    case PresenceState::away:
      return "away";
    case PresenceState::offline:
      return "offline";
  }
  return "offline";
}

std::optional<PresenceState> presence_state_from_string(std::string_view text) {
  if (text == "online") return PresenceState::online;
  if (text == "away") return PresenceState::away;
  if (text == "offline") return PresenceState::offline;
  return std::nullopt;
}

namespace detail {

OrderedJson to_json(const UserView& view) {
  const core::User& user = view.user;
  return OrderedJson{
      {"id", user.id.value()},
      {"username", user.username},
      {"display_name", user.profile.display_name},
      {"department", user.profile.department},
      {"title", user.profile.title},
      {"email", user.profile.email},
      {"status_text", user.profile.status_text},
      {"is_admin", user.is_admin},
      {"disabled", user.disabled},
      {"created_at", user.created_at},
      {"last_seen", user.last_seen},
      {"presence", to_string(view.presence)},
  };
}

OrderedJson to_json(const core::Conversation& conversation) {
  return OrderedJson{
      {"id", conversation.id.value()},
      {"kind", core::to_string(conversation.kind)},
      {"name", conversation.name},
      {"topic", conversation.topic},
      {"created_by", conversation.created_by.value()},
      {"archived", conversation.archived},
      {"created_at", conversation.created_at},
      {"last_seq", conversation.last_seq.value()},
      {"last_rev", conversation.last_rev.value()},
      {"last_activity", conversation.last_activity},
  };
}

OrderedJson to_json(const ConversationDetails& details) {
  OrderedJson json = to_json(details.conversation);
  OrderedJson members = OrderedJson::array();
  for (const auto& member : details.members) members.push_back(to_json(member));
  json["members"] = std::move(members);
  return json;
}

OrderedJson to_json(const core::Member& member) {
  return OrderedJson{
      {"user_id", member.user_id.value()},
      {"role", core::to_string(member.role)},
      {"last_read", member.last_read.value()},
      {"joined_at", member.joined_at},
  };
}

OrderedJson to_json(const core::Message& message) {
  return OrderedJson{
      {"conversation_id", message.conversation_id.value()},
      {"seq", message.seq.value()},
      {"rev", message.rev.value()},
      {"sender_id", message.sender_id.value()},
      {"client_msg_id", message.client_msg_id},
      {"text", message.text},
      {"created_at", message.created_at},
      {"edited_at", message.edited_at},
      {"deleted", message.deleted},
  };
}

OrderedJson to_json(const ConversationSummary& summary) {
  return OrderedJson{
      {"conversation", to_json(summary.conversation)},
      {"last_message", summary.last_message ? to_json(*summary.last_message) : OrderedJson()},
      {"unread", summary.unread},
      {"last_read", summary.last_read.value()},
  };
}

OrderedJson to_json(const ChannelInfo& channel) {
  return OrderedJson{
      {"conversation", to_json(channel.conversation)},
      {"member_count", channel.member_count},
      {"joined", channel.joined},
  };
}

OrderedJson to_json(const Limits& limits) {
  return OrderedJson{
      {"max_frame_bytes", limits.max_frame_bytes},
      {"max_json_depth", limits.max_json_depth},
      {"max_text_bytes", limits.max_text_bytes},
      {"max_settings_bytes", limits.max_settings_bytes},
      {"max_name_chars", limits.max_name_chars},
      {"max_topic_chars", limits.max_topic_chars},
      {"max_profile_field_chars", limits.max_profile_field_chars},
      {"max_client_msg_id_chars", limits.max_client_msg_id_chars},
      {"max_request_id_chars", limits.max_request_id_chars},
      {"max_password_bytes", limits.max_password_bytes},
      {"min_password_chars", limits.min_password_chars},
      {"max_ids_per_request", limits.max_ids_per_request},
      {"history_page_max", limits.history_page_max},
  };
}

OrderedJson settings_to_json(std::string_view settings_json) {
  OrderedJson settings = OrderedJson::parse(settings_json, nullptr, /*allow_exceptions=*/false);
  if (settings.is_discarded() || !settings.is_object()) return OrderedJson::object();
  return settings;
}

std::string dump(const OrderedJson& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, OrderedJson::error_handler_t::replace);
}

}  // namespace detail
}  // namespace messenger::protocol
