#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "direct_reader.h"
#include "field_reader.h"
#include "json_depth.h"
#include "messenger/protocol/codec.h"
#include "request_id.h"
#include "request_types.h"
#include "utf8.h"

namespace messenger::protocol {
namespace {

using core::Errc;
using core::Ok;
using core::Status;
using detail::FieldReader;
using detail::Need;
using detail::StringRule;
using Json = nlohmann::json;

constexpr int kMaxSearchLimit = 200;
constexpr std::size_t kMaxTypeCharsInMessage = 64;

/// What one request's fields are checked against.
struct Context {
  const FieldReader& fields;
  const Limits& limits;

  [[nodiscard]] StringRule name() const { return {1, limits.max_name_chars}; }
  [[nodiscard]] StringRule topic() const { return {0, limits.max_topic_chars}; }
  [[nodiscard]] StringRule profile_field() const { return detail::profile_field_rule(limits); }
  [[nodiscard]] StringRule text() const { return detail::message_text_rule(limits); }
  [[nodiscard]] StringRule client_msg_id() const { return detail::client_msg_id_rule(limits); }
  [[nodiscard]] StringRule password() const { return detail::password_rule(limits); }
  [[nodiscard]] static StringRule any() { return {}; }

  /// A password being set: at most max_password_bytes, at least min_password_chars.
  Status new_password(std::string_view key, std::optional<std::string>& out) const {
    std::optional<std::string> value;
    MESSENGER_TRY(fields.optional_string(key, value, password()));
    if (value && detail::count_code_points(*value) < limits.min_password_chars) {
      return detail::field_error(
          key, "must be at least " + std::to_string(limits.min_password_chars) + " characters");
    }
    out = std::move(value);
    return Ok{};
  }
  Status new_password(std::string_view key, std::string& out) const {
    std::optional<std::string> value;
    MESSENGER_TRY(new_password(key, value));
    if (!value) return detail::field_error(key, "is required");
    out = std::move(*value);
    return Ok{};
  }
};

// One read() per request struct; each fills the struct from the request object.

Status read(const Context& c, Hello& r) {
  MESSENGER_TRY(c.fields.integer("version", r.version, std::numeric_limits<int>::min(),
                                 std::numeric_limits<int>::max(), Need::required));
  return c.fields.string("client", r.client, c.profile_field(), Need::optional);
}

Status read(const Context& c, Login& r) {
  MESSENGER_TRY(c.fields.string("username", r.username, Context::any(), Need::required));
  MESSENGER_TRY(c.fields.string("password", r.password, c.password(), Need::required));
  return c.fields.string("device", r.device, c.profile_field(), Need::optional);
}

Status read(const Context& c, Resume& r) {
  return c.fields.string("token", r.token, Context::any(), Need::required);
}

Status read(const Context& /*c*/, Logout& /*r*/) {
  return Ok{};
}

Status read(const Context& c, ChangePassword& r) {
  MESSENGER_TRY(c.fields.string("old_password", r.old_password, c.password(), Need::required));
  return c.new_password("new_password", r.new_password);
}

Status read(const Context& /*c*/, GetMe& /*r*/) {
  return Ok{};
}

Status read(const Context& c, GetUsers& r) {
  return c.fields.user_ids("user_ids", r.user_ids, c.limits.max_ids_per_request, Need::required);
}

Status read(const Context& c, UpdateProfile& r) {
  MESSENGER_TRY(c.fields.optional_string("display_name", r.display_name, c.name()));
  MESSENGER_TRY(c.fields.optional_string("department", r.department, c.profile_field()));
  MESSENGER_TRY(c.fields.optional_string("title", r.title, c.profile_field()));
  return c.fields.optional_string("status_text", r.status_text, c.profile_field());
}

Status read(const Context& c, SearchDirectory& r) {
  MESSENGER_TRY(c.fields.string("query", r.query, c.profile_field(), Need::optional));
  MESSENGER_TRY(c.fields.string("department", r.department, c.profile_field(), Need::optional));
  MESSENGER_TRY(c.fields.integer("limit", r.limit, 1, kMaxSearchLimit, Need::optional));
  return c.fields.counter("after", r.after);
}

Status read(const Context& /*c*/, GetSettings& /*r*/) {
  return Ok{};
}

Status read(const Context& c, SetSettings& r) {
  return c.fields.object_text("settings", r.settings_json, c.limits.max_settings_bytes,
                              Need::required);
}

Status read(const Context& c, SetPresence& r) {
  std::string state;
  MESSENGER_TRY(c.fields.choice("state", state, {"online", "away"}, Need::required));
  r.state = state == "away" ? PresenceState::away : PresenceState::online;
  return Ok{};
}

Status read(const Context& c, AdminCreateUser& r) {
  MESSENGER_TRY(c.fields.string("username", r.username, Context::any(), Need::required));
  MESSENGER_TRY(c.new_password("password", r.password));
  r.display_name = r.username;
  MESSENGER_TRY(c.fields.string("display_name", r.display_name, c.name(), Need::optional));
  MESSENGER_TRY(c.fields.string("department", r.department, c.profile_field(), Need::optional));
  MESSENGER_TRY(c.fields.string("title", r.title, c.profile_field(), Need::optional));
  MESSENGER_TRY(c.fields.string("email", r.email, c.profile_field(), Need::optional));
  return c.fields.boolean("is_admin", r.is_admin, Need::optional);
}

Status read(const Context& c, AdminResetPassword& r) {
  MESSENGER_TRY(c.fields.id("user_id", r.user_id));
  return c.new_password("password", r.password);
}

Status read(const Context& c, AdminSetDisabled& r) {
  MESSENGER_TRY(c.fields.id("user_id", r.user_id));
  return c.fields.boolean("disabled", r.disabled, Need::required);
}

Status read(const Context& c, AdminSetAdmin& r) {
  MESSENGER_TRY(c.fields.id("user_id", r.user_id));
  return c.fields.boolean("is_admin", r.is_admin, Need::required);
}

Status read(const Context& c, OpenDirect& r) {
  return c.fields.id("user_id", r.user_id);
}

Status read(const Context& c, CreateConversation& r) {
  std::string kind;
  MESSENGER_TRY(c.fields.choice("kind", kind, {"group", "channel"}, Need::required));
  r.kind = kind == "channel" ? core::ConversationKind::channel : core::ConversationKind::group;
  MESSENGER_TRY(c.fields.string("name", r.name, c.name(), Need::required));
  MESSENGER_TRY(c.fields.string("topic", r.topic, c.topic(), Need::optional));
  return c.fields.user_ids("member_ids", r.member_ids, c.limits.max_ids_per_request,
                           Need::optional);
}

Status read(const Context& /*c*/, ListConversations& /*r*/) {
  return Ok{};
}

Status read(const Context& c, GetConversation& r) {
  return c.fields.id("conversation_id", r.conversation_id);
}

Status read(const Context& c, BrowseChannels& r) {
  MESSENGER_TRY(c.fields.string("query", r.query, c.profile_field(), Need::optional));
  return c.fields.integer("limit", r.limit, 1, kMaxSearchLimit, Need::optional);
}

Status read(const Context& c, RenameConversation& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  return c.fields.string("name", r.name, c.name(), Need::required);
}

Status read(const Context& c, SetTopic& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  return c.fields.string("topic", r.topic, c.topic(), Need::required);
}

Status read(const Context& c, Invite& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  return c.fields.user_ids("user_ids", r.user_ids, c.limits.max_ids_per_request, Need::required);
}

Status read(const Context& c, Join& r) {
  return c.fields.id("conversation_id", r.conversation_id);
}

Status read(const Context& c, Leave& r) {
  return c.fields.id("conversation_id", r.conversation_id);
}

Status read(const Context& c, RemoveMember& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  return c.fields.id("user_id", r.user_id);
}

Status read(const Context& c, Archive& r) {
  return c.fields.id("conversation_id", r.conversation_id);
}

Status read(const Context& c, SendMessage& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  MESSENGER_TRY(
      c.fields.string("client_msg_id", r.client_msg_id, c.client_msg_id(), Need::required));
  return c.fields.string("text", r.text, c.text(), Need::required);
}

Status read(const Context& c, GetHistory& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  MESSENGER_TRY(c.fields.optional_id("before", r.before, 1));
  MESSENGER_TRY(c.fields.optional_id("after", r.after, 0));
  if (r.before && r.after) {
    return core::make_error(Errc::bad_request, "fields 'before' and 'after' exclude each other");
  }
  return c.fields.integer("limit", r.limit, 1, c.limits.history_page_max, Need::optional);
}

Status read(const Context& c, SyncChanges& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  MESSENGER_TRY(c.fields.counter("after_rev", r.after_rev));
  return c.fields.integer("limit", r.limit, 1, c.limits.history_page_max, Need::optional);
}

Status read(const Context& c, EditMessage& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  MESSENGER_TRY(c.fields.id("seq", r.seq));
  return c.fields.string("text", r.text, c.text(), Need::required);
}

Status read(const Context& c, DeleteMessage& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  return c.fields.id("seq", r.seq);
}

Status read(const Context& c, MarkRead& r) {
  MESSENGER_TRY(c.fields.id("conversation_id", r.conversation_id));
  return c.fields.id("seq", r.seq);
}

Status read(const Context& c, Typing& r) {
  return c.fields.id("conversation_id", r.conversation_id);
}

template <std::size_t I>
core::Result<RequestBody> read_alternative(const Context& c) {
  std::variant_alternative_t<I, RequestBody> request;
  const Status status = read(c, request);
  if (!status.ok()) return status.error();
  return RequestBody(std::in_place_index<I>, std::move(request));
}

using Reader = core::Result<RequestBody> (*)(const Context&);

template <std::size_t... I>
constexpr std::array<Reader, sizeof...(I)> make_readers(std::index_sequence<I...>) {
  return {&read_alternative<I>...};
}

constexpr auto kReaders = make_readers(std::make_index_sequence<detail::kRequestTypeCount>{});

ParsedRequest fail(RequestIdJson id, Errc code, std::string message) {
  return ParsedRequest{std::move(id), core::make_error(code, std::move(message))};
}

ParsedRequest parse_checked(std::string_view frame, const Limits& limits) {
  if (frame.size() > limits.max_frame_bytes) {
    return fail("null", Errc::too_large,
                "frame is larger than " + std::to_string(limits.max_frame_bytes) + " bytes");
  }
  if (detail::json_depth_exceeds(frame, limits.max_json_depth)) {
    return fail(detail::find_request_id(frame, limits).value_or("null"), Errc::too_deep,
                "JSON is nested deeper than " + std::to_string(limits.max_json_depth) + " levels");
  }
  const Json object = Json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return fail("null", Errc::invalid_json, "frame is not valid JSON");
  if (!object.is_object()) return fail("null", Errc::bad_request, "a request must be an object");

  const auto id_field = object.find("id");
  auto id = id_field == object.end() ? std::nullopt : detail::valid_request_id(*id_field, limits);
  if (!id) {
    return fail("null", Errc::bad_request,
                "field 'id' must be a string of 1 to " +
                    std::to_string(limits.max_request_id_chars) +
                    " characters or a non-negative integer");
  }
  const auto type = object.find("type");
  if (type == object.end() || !type->is_string()) {
    return fail(std::move(*id), Errc::bad_request, "field 'type' must be a string");
  }
  const auto& type_name = type->get_ref<const std::string&>();
  const auto index = detail::request_index(type_name);
  if (!index) {
    std::string message = "unknown request type '";
    message.append(detail::prefix_code_points(type_name, kMaxTypeCharsInMessage)).append("'");
    return fail(std::move(*id), Errc::unknown_type, std::move(message));
  }
  const FieldReader fields(object);
  return ParsedRequest{std::move(*id), kReaders.at(*index)(Context{fields, limits})};
}

}  // namespace

ParsedRequest detail::parse_request_tree(std::string_view frame, const Limits& limits) {
  try {
    return parse_checked(frame, limits);
  } catch (const nlohmann::json::exception&) {
    // Not expected after a successful parse; kept so that no input can throw out of here.
    return fail("null", Errc::bad_request, "malformed request");
  }
}

ParsedRequest parse_request(std::string_view frame, const Limits& limits) {
  // Most frames are msg.send, and every connection starts with hello and a login or resume:
  // read those without a JSON tree; the tree reads everything else.
  if (auto direct = detail::read_directly(frame, limits)) return std::move(*direct);
  return detail::parse_request_tree(frame, limits);
}

}  // namespace messenger::protocol
