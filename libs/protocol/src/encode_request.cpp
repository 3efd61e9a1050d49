#include <string>

#include "messenger/protocol/codec.h"
#include "wire_objects.h"

namespace messenger::protocol {
namespace {

using detail::OrderedJson;

OrderedJson ids_json(const std::vector<UserId>& ids) {
  OrderedJson array = OrderedJson::array();
  for (const auto id : ids) array.push_back(id.value());
  return array;
}

template <typename T>
void put_optional(OrderedJson& json, const char* key, const std::optional<T>& value) {
  if (value) json[key] = *value;
}

// One put() per request struct: writes its fields next to "type" and "id". Fields with a default
// are always written; std::optional ones only when present.

void put(OrderedJson& j, const Hello& r) {
  j["version"] = r.version;
  j["client"] = r.client;
}
void put(OrderedJson& j, const Login& r) {
  j["username"] = r.username;
  j["password"] = r.password;
  j["device"] = r.device;
}
void put(OrderedJson& j, const Resume& r) {
  j["token"] = r.token;
}
void put(OrderedJson& /*j*/, const Logout& /*r*/) {}
void put(OrderedJson& j, const ChangePassword& r) {
  j["old_password"] = r.old_password;
  j["new_password"] = r.new_password;
}
void put(OrderedJson& /*j*/, const GetMe& /*r*/) {}
void put(OrderedJson& j, const GetUsers& r) {
  j["user_ids"] = ids_json(r.user_ids);
}
void put(OrderedJson& j, const UpdateProfile& r) {
  put_optional(j, "display_name", r.display_name);
  put_optional(j, "department", r.department);
  put_optional(j, "title", r.title);
  put_optional(j, "status_text", r.status_text);
}
void put(OrderedJson& j, const SearchDirectory& r) {
  j["query"] = r.query;
  j["department"] = r.department;
  j["limit"] = r.limit;
  j["after"] = r.after.value();
}
void put(OrderedJson& /*j*/, const GetSettings& /*r*/) {}
void put(OrderedJson& j, const SetSettings& r) {
  j["settings"] = detail::settings_to_json(r.settings_json);
}
void put(OrderedJson& j, const SetPresence& r) {
  j["state"] = to_string(r.state);
}
void put(OrderedJson& j, const AdminCreateUser& r) {
  j["username"] = r.username;
  put_optional(j, "password", r.password);
  j["display_name"] = r.display_name;
  j["department"] = r.department;
  j["title"] = r.title;
  j["email"] = r.email;
  j["is_admin"] = r.is_admin;
}
void put(OrderedJson& j, const AdminResetPassword& r) {
  j["user_id"] = r.user_id.value();
  put_optional(j, "password", r.password);
}
void put(OrderedJson& j, const AdminSetDisabled& r) {
  j["user_id"] = r.user_id.value();
  j["disabled"] = r.disabled;
}
void put(OrderedJson& j, const AdminSetAdmin& r) {
  j["user_id"] = r.user_id.value();
  j["is_admin"] = r.is_admin;
}
void put(OrderedJson& j, const OpenDirect& r) {
  j["user_id"] = r.user_id.value();
}
void put(OrderedJson& j, const CreateConversation& r) {
  j["kind"] = core::to_string(r.kind);
  j["name"] = r.name;
  j["topic"] = r.topic;
  j["member_ids"] = ids_json(r.member_ids);
}
void put(OrderedJson& /*j*/, const ListConversations& /*r*/) {}
void put(OrderedJson& j, const GetConversation& r) {
  j["conversation_id"] = r.conversation_id.value();
}
void put(OrderedJson& j, const BrowseChannels& r) {
  j["query"] = r.query;
  j["limit"] = r.limit;
}
void put(OrderedJson& j, const RenameConversation& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["name"] = r.name;
}
void put(OrderedJson& j, const SetTopic& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["topic"] = r.topic;
}
void put(OrderedJson& j, const Invite& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["user_ids"] = ids_json(r.user_ids);
}
void put(OrderedJson& j, const Join& r) {
  j["conversation_id"] = r.conversation_id.value();
}
void put(OrderedJson& j, const Leave& r) {
  j["conversation_id"] = r.conversation_id.value();
}
void put(OrderedJson& j, const RemoveMember& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["user_id"] = r.user_id.value();
}
void put(OrderedJson& j, const Archive& r) {
  j["conversation_id"] = r.conversation_id.value();
}
void put(OrderedJson& j, const SendMessage& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["client_msg_id"] = r.client_msg_id;
  j["text"] = r.text;
}
void put(OrderedJson& j, const GetHistory& r) {
  j["conversation_id"] = r.conversation_id.value();
  if (r.before) j["before"] = r.before->value();
  if (r.after) j["after"] = r.after->value();
  j["limit"] = r.limit;
}
void put(OrderedJson& j, const SyncChanges& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["after_rev"] = r.after_rev.value();
  j["limit"] = r.limit;
}
void put(OrderedJson& j, const EditMessage& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["seq"] = r.seq.value();
  j["text"] = r.text;
}
void put(OrderedJson& j, const DeleteMessage& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["seq"] = r.seq.value();
}
void put(OrderedJson& j, const MarkRead& r) {
  j["conversation_id"] = r.conversation_id.value();
  j["seq"] = r.seq.value();
}
void put(OrderedJson& j, const Typing& r) {
  j["conversation_id"] = r.conversation_id.value();
}

}  // namespace

std::string encode_request(const Request& request) {
  OrderedJson json{{"type", request_type(request.body)}};
  OrderedJson id = OrderedJson::parse(request.id, nullptr, /*allow_exceptions=*/false);
  json["id"] = id.is_discarded() ? OrderedJson() : std::move(id);
  std::visit([&json](const auto& body) { put(json, body); }, request.body);
  return detail::dump(json);
}

}  // namespace messenger::protocol
