#include <string>
#include <utility>

#include "json_text.h"
#include "message_json.h"
#include "messenger/protocol/codec.h"
#include "object_json.h"
#include "wire_objects.h"

namespace messenger::protocol {
namespace {

using detail::dump;
using detail::OrderedJson;
using detail::to_json;

/// The id as the client sent it. The service may build replies for requests it made up itself
/// (tests, internal work) with an empty id; that is sent as null rather than as a broken frame.
std::string_view id_or_null(const RequestIdJson& id) {
  return id.empty() ? std::string_view("null") : std::string_view(id);
}

/// `{"type":"result","id":ID,"result":` with room for `result_size` more bytes; the caller
/// appends the result and the closing brace.
std::string result_frame_start(const RequestIdJson& id, std::size_t result_size) {
  const std::string_view id_text = id_or_null(id);
  std::string frame;
  frame.reserve(result_size + id_text.size() + 40);
  frame.append(R"({"type":"result","id":)").append(id_text).append(R"(,"result":)");
  return frame;
}

// The id arrives already serialized, so the frame is spliced instead of parsing the id again.
std::string result_frame(const RequestIdJson& id, const OrderedJson& result) {
  const std::string body = dump(result);
  std::string frame = result_frame_start(id, body.size() + 1);
  frame.append(body).append("}");
  return frame;
}

template <typename Items>
OrderedJson array_of(const Items& items) {
  OrderedJson array = OrderedJson::array();
  for (const auto& item : items) array.push_back(to_json(item));
  return array;
}

OrderedJson event(std::string_view type) {
  return OrderedJson{{"type", type}};
}

/// {"type":TYPE,"message":{...}} written directly (see append_message_json); empty when the
/// message has text that is not valid UTF-8.
std::string message_event(std::string_view type, const core::Message& message) {
  std::string frame;
  frame.reserve(200 + message.text.size() + message.client_msg_id.size());
  frame.append(R"({"type":")").append(type).append(R"(","message":)");
  if (!detail::append_message_json(frame, message)) return {};
  frame.push_back('}');
  return frame;
}

}  // namespace

// Every connection gets a hello and a login (or resume) result: both are written directly (see
// object_json.h), and take the tree path only for text that is not valid UTF-8.

std::string encode_result(const RequestIdJson& id, const HelloResult& r) {
  std::string frame = result_frame_start(id, 400 + r.server.size());
  frame.append(R"({"version":)");
  detail::append_json_int(frame, r.version);
  frame.append(R"(,"server":)");
  if (!detail::append_json_string(frame, r.server)) {
    return result_frame(
        id,
        OrderedJson{{"version", r.version}, {"server", r.server}, {"limits", to_json(r.limits)}});
  }
  frame.append(R"(,"limits":)");
  detail::append_limits_json(frame, r.limits);
  frame.append("}}");
  return frame;
}

std::string encode_result(const RequestIdJson& id, const LoginResult& r) {
  std::string frame = result_frame_start(id, 400 + r.token.size());
  frame.push_back('{');
  bool ok = true;
  if (!r.token.empty()) {
    frame.append(R"("token":)");
    ok = detail::append_json_string(frame, r.token);
    frame.push_back(',');
  }
  frame.append(R"("user":)");
  if (!ok || !detail::append_user_json(frame, r.user)) {
    OrderedJson result = OrderedJson::object();
    if (!r.token.empty()) result["token"] = r.token;
    result["user"] = to_json(r.user);
    return result_frame(id, result);
  }
  frame.append("}}");
  return frame;
}

std::string encode_result(const RequestIdJson& id, const EmptyResult& /*r*/) {
  return result_frame(id, OrderedJson::object());
}

std::string encode_result(const RequestIdJson& id, const UserResult& r) {
  return result_frame(id, OrderedJson{{"user", to_json(r.user)}});
}

std::string encode_result(const RequestIdJson& id, const UsersResult& r) {
  return result_frame(id, OrderedJson{{"users", array_of(r.users)}});
}

std::string encode_result(const RequestIdJson& id, const SettingsResult& r) {
  return result_frame(id, OrderedJson{{"settings", detail::settings_to_json(r.settings_json)}});
}

std::string encode_result(const RequestIdJson& id, const CreatedUserResult& r) {
  OrderedJson result{{"user", to_json(r.user)}};
  if (r.password) result["password"] = *r.password;
  return result_frame(id, result);
}

std::string encode_result(const RequestIdJson& id, const PasswordResult& r) {
  OrderedJson result = OrderedJson::object();
  if (r.password) result["password"] = *r.password;
  return result_frame(id, result);
}

std::string encode_result(const RequestIdJson& id, const ConversationResult& r) {
  return result_frame(id, OrderedJson{{"conversation", to_json(r.conversation)}});
}

std::string encode_result(const RequestIdJson& id, const ConversationListResult& r) {
  return result_frame(id, OrderedJson{{"conversations", array_of(r.conversations)}});
}

std::string encode_result(const RequestIdJson& id, const ChannelsResult& r) {
  return result_frame(id, OrderedJson{{"channels", array_of(r.channels)}});
}

std::string encode_result(const RequestIdJson& id, const MessageResult& r) {
  const std::string_view id_text = id_or_null(id);
  std::string frame;
  frame.reserve(240 + id_text.size() + r.message.text.size() + r.message.client_msg_id.size());
  frame.append(R"({"type":"result","id":)").append(id_text).append(R"(,"result":{"message":)");
  if (!detail::append_message_json(frame, r.message)) {
    return result_frame(id,
                        OrderedJson{{"message", to_json(r.message)}, {"duplicate", r.duplicate}});
  }
  frame.append(r.duplicate ? R"(,"duplicate":true}})" : R"(,"duplicate":false}})");
  return frame;
}

std::string encode_result(const RequestIdJson& id, const MessagesResult& r) {
  return result_frame(id,
                      OrderedJson{{"messages", array_of(r.messages)}, {"has_more", r.has_more}});
}

std::string encode_result(const RequestIdJson& id, const TypingResult& r) {
  return result_frame(id, OrderedJson{{"forwarded", r.forwarded}});
}

std::string encode_error(const RequestIdJson& id, const core::Error& error) {
  const std::string code = dump(OrderedJson(core::to_string(error.code)));
  const std::string message = dump(OrderedJson(error.message));
  std::string frame;
  frame.reserve(code.size() + message.size() + 60);
  frame.append(R"({"type":"error","id":)").append(id_or_null(id));
  frame.append(R"(,"code":)").append(code).append(R"(,"message":)").append(message).append("}");
  return frame;
}

std::string encode_event(const MessageNewEvent& e) {
  if (auto frame = message_event("message.new", e.message); !frame.empty()) return frame;
  OrderedJson json = event("message.new");
  json["message"] = to_json(e.message);
  return dump(json);
}

std::string encode_event(const MessageUpdatedEvent& e) {
  if (auto frame = message_event("message.updated", e.message); !frame.empty()) return frame;
  OrderedJson json = event("message.updated");
  json["message"] = to_json(e.message);
  return dump(json);
}

std::string encode_event(const ReadUpdatedEvent& e) {
  OrderedJson json = event("read.updated");
  json["conversation_id"] = e.conversation_id.value();
  json["user_id"] = e.user_id.value();
  json["seq"] = e.seq.value();
  return dump(json);
}

std::string encode_event(const ConversationAddedEvent& e) {
  OrderedJson json = event("conversation.added");
  json["conversation"] = to_json(e.conversation);
  return dump(json);
}

std::string encode_event(const ConversationUpdatedEvent& e) {
  OrderedJson json = event("conversation.updated");
  json["conversation"] = to_json(e.conversation);
  return dump(json);
}

std::string encode_event(const ConversationRemovedEvent& e) {
  OrderedJson json = event("conversation.removed");
  json["conversation_id"] = e.conversation_id.value();
  return dump(json);
}

std::string encode_event(const TypingEvent& e) {
  OrderedJson json = event("typing");
  json["conversation_id"] = e.conversation_id.value();
  json["user_id"] = e.user_id.value();
  return dump(json);
}

std::string encode_event(const PresenceEvent& e) {
  // Sent to every contact at each connect and disconnect: written directly (no strings to check).
  std::string frame;
  frame.reserve(96);
  frame.append(R"({"type":"presence","user_id":)");
  detail::append_json_int(frame, e.user_id.value());
  frame.append(R"(,"state":")").append(to_string(e.state)).append(R"(","last_seen":)");
  detail::append_json_int(frame, e.last_seen);
  frame.push_back('}');
  return frame;
}

std::string encode_event(const UserUpdatedEvent& e) {
  OrderedJson json = event("user.updated");
  json["user"] = to_json(e.user);
  return dump(json);
}

std::string encode_event(const SettingsUpdatedEvent& e) {
  OrderedJson json = event("settings.updated");
  json["settings"] = detail::settings_to_json(e.settings_json);
  return dump(json);
}

}  // namespace messenger::protocol
