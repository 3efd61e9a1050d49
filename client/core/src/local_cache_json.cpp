#include "local_cache_json.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace messenger::client {
namespace {

using nlohmann::json;

/// Thrown inside this file only, for a document that parses as JSON but not as the struct.
struct BadDocument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename Id>
Id read_id(const json& j, const char* key) {
  return Id(j.value(key, std::int64_t{0}));
}

core::MemberRole role_from_string(std::string_view text) {
  if (text == core::to_string(core::MemberRole::member)) return core::MemberRole::member;
  if (text == core::to_string(core::MemberRole::owner)) return core::MemberRole::owner;
  throw BadDocument("unknown member role");
}

protocol::PresenceState presence_from_string(std::string_view text) {
  for (const auto state : {protocol::PresenceState::online, protocol::PresenceState::away,
                           protocol::PresenceState::offline}) {
    if (text == protocol::to_string(state)) return state;
  }
  throw BadDocument("unknown presence state");
}

json encode(const core::Conversation& c) {
  return {{"id", c.id.value()},
          {"kind", core::to_string(c.kind)},
          {"name", c.name},
          {"topic", c.topic},
          {"created_by", c.created_by.value()},
          {"archived", c.archived},
          {"created_at", c.created_at},
          {"last_seq", c.last_seq.value()},
          {"last_rev", c.last_rev.value()},
          {"last_activity", c.last_activity}};
}

core::Conversation decode_conversation(const json& j) {
  core::Conversation c;
  c.id = read_id<core::ConversationId>(j, "id");
  const auto kind = core::conversation_kind_from_string(j.value("kind", std::string("group")));
  if (!kind) throw BadDocument("unknown conversation kind");
  c.kind = *kind;
  c.name = j.value("name", std::string());
  c.topic = j.value("topic", std::string());
  c.created_by = read_id<core::UserId>(j, "created_by");
  c.archived = j.value("archived", false);
  c.created_at = j.value("created_at", core::TimestampMs{0});
  c.last_seq = read_id<core::Seq>(j, "last_seq");
  c.last_rev = read_id<core::Rev>(j, "last_rev");
  c.last_activity = j.value("last_activity", core::TimestampMs{0});
  return c;
}

json encode(const core::Member& m) {
  return {{"user_id", m.user_id.value()},
          {"role", core::to_string(m.role)},
          {"last_read", m.last_read.value()},
          {"joined_at", m.joined_at}};
}

core::Member decode_member(const json& j) {
  core::Member m;
  m.user_id = read_id<core::UserId>(j, "user_id");
  m.role = role_from_string(j.value("role", std::string("member")));
  m.last_read = read_id<core::Seq>(j, "last_read");
  m.joined_at = j.value("joined_at", core::TimestampMs{0});
  return m;
}

json encode(const core::Message& m) {
  return {{"conversation_id", m.conversation_id.value()},
          {"seq", m.seq.value()},
          {"rev", m.rev.value()},
          {"sender_id", m.sender_id.value()},
          {"client_msg_id", m.client_msg_id},
          {"text", m.text},
          {"created_at", m.created_at},
          {"edited_at", m.edited_at},
          {"deleted", m.deleted}};
}

core::Message decode_message(const json& j) {
  core::Message m;
  m.conversation_id = read_id<core::ConversationId>(j, "conversation_id");
  m.seq = read_id<core::Seq>(j, "seq");
  m.rev = read_id<core::Rev>(j, "rev");
  m.sender_id = read_id<core::UserId>(j, "sender_id");
  m.client_msg_id = j.value("client_msg_id", std::string());
  m.text = j.value("text", std::string());
  m.created_at = j.value("created_at", core::TimestampMs{0});
  m.edited_at = j.value("edited_at", core::TimestampMs{0});
  m.deleted = j.value("deleted", false);
  return m;
}

/// Text from the server is valid UTF-8 (the protocol checks it); replacing rather than throwing
/// keeps a bug elsewhere from turning into an exception here.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Parses `text` and reads it with `decode`; nullopt for anything that does not fit.
template <typename Decode>
auto decode_document(std::string_view text, Decode decode)
    -> std::optional<std::invoke_result_t<Decode, const json&>> {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  try {
    return decode(j);
  } catch (const json::exception&) {
    return std::nullopt;
  } catch (const BadDocument&) {
    return std::nullopt;
  }
}

}  // namespace

std::string encode_cached_summary(const protocol::ConversationSummary& summary) {
  json members = json::array();
  for (const auto& member : summary.conversation.members) members.push_back(encode(member));
  json j = {{"conversation", encode(summary.conversation.conversation)},
            {"members", std::move(members)},
            {"unread", summary.unread},
            {"last_read", summary.last_read.value()}};
  if (summary.last_message) j["last_message"] = encode(*summary.last_message);
  return dump(j);
}

std::optional<protocol::ConversationSummary> decode_cached_summary(std::string_view json_text) {
  return decode_document(json_text, [](const json& j) {
    protocol::ConversationSummary summary;
    summary.conversation.conversation = decode_conversation(j.at("conversation"));
    for (const auto& member : j.value("members", json::array())) {
      summary.conversation.members.push_back(decode_member(member));
    }
    if (const auto found = j.find("last_message"); found != j.end()) {
      summary.last_message = decode_message(*found);
    }
    summary.unread = j.value("unread", std::int64_t{0});
    summary.last_read = read_id<core::Seq>(j, "last_read");
    return summary;
  });
}

std::string encode_cached_user(const protocol::UserView& view) {
  const auto& user = view.user;
  const auto& profile = user.profile;
  const json j = {{"id", user.id.value()},
                  {"username", user.username},
                  {"display_name", profile.display_name},
                  {"department", profile.department},
                  {"title", profile.title},
                  {"email", profile.email},
                  {"status_text", profile.status_text},
                  {"is_admin", user.is_admin},
                  {"disabled", user.disabled},
                  {"created_at", user.created_at},
                  {"last_seen", user.last_seen},
                  {"presence", protocol::to_string(view.presence)}};
  return dump(j);
}

std::optional<protocol::UserView> decode_cached_user(std::string_view json_text) {
  return decode_document(json_text, [](const json& j) {
    protocol::UserView view;
    auto& user = view.user;
    user.id = read_id<core::UserId>(j, "id");
    user.username = j.value("username", std::string());
    user.profile.display_name = j.value("display_name", std::string());
    user.profile.department = j.value("department", std::string());
    user.profile.title = j.value("title", std::string());
    user.profile.email = j.value("email", std::string());
    user.profile.status_text = j.value("status_text", std::string());
    user.is_admin = j.value("is_admin", false);
    user.disabled = j.value("disabled", false);
    user.created_at = j.value("created_at", core::TimestampMs{0});
    user.last_seen = j.value("last_seen", core::TimestampMs{0});
    view.presence = presence_from_string(j.value("presence", std::string("offline")));
    return view;
  });
}

}  // namespace messenger::client
