#include "direct_reader.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include "field_reader.h"
#include "json_scanner.h"
#include "request_id.h"

namespace messenger::protocol::detail {
namespace {

/// One field other than id and type: a string (decoded) or a non-negative integer.
struct Field {
  std::string_view key;
  bool is_text = false;
  std::string text;
  std::int64_t number = 0;
};

/// A flat request object as scanned: its id, its type and its other fields, each key once.
/// Every request read here has at most three fields of its own; more go to the tree.
struct FlatRequest {
  std::optional<RequestIdJson> id;
  std::optional<std::string_view> type;
  std::array<Field, 3> fields;
  std::size_t count = 0;

  Field* find(std::string_view key) {
    for (std::size_t i = 0; i < count; ++i) {
      if (fields[i].key == key) return &fields[i];
    }
    return nullptr;
  }

  /// Whether every field is one of `known` (the tree would ignore the others, but their
  /// values may be anything: the tree reads those frames).
  [[nodiscard]] bool only(std::initializer_list<std::string_view> known) const {
    for (std::size_t i = 0; i < count; ++i) {
      bool found = false;
      for (const auto k : known) found = found || fields[i].key == k;
      if (!found) return false;
    }
    return true;
  }
};

bool read_id(JsonScanner& scan, const Limits& limits, FlatRequest& request) {
  if (request.id) return false;
  scan.skip_space();
  const std::size_t start = scan.position();
  if (scan.integer()) {
    request.id = RequestIdJson(scan.consumed_since(start));  // as dump() writes it
    return true;
  }
  const auto text = scan.plain_string();
  if (!text || !is_valid_string_id(*text, limits)) return false;
  request.id = RequestIdJson(scan.consumed_since(start));  // no escape: as dump() writes it
  return true;
}

/// Reads the value of `key`; false for a repeated key, a fourth field, or a value that is
/// neither a string nor a non-negative integer as JsonScanner reads them.
bool read_value(JsonScanner& scan, std::string_view key, const Limits& limits,
                FlatRequest& request) {
  if (key == "id") return read_id(scan, limits, request);
  if (key == "type") {
    if (request.type) return false;
    request.type = scan.plain_string();
    return request.type.has_value();
  }
  if (request.count == request.fields.size() || request.find(key) != nullptr) return false;
  Field& field = request.fields[request.count++];
  field.key = key;
  if (scan.next_is('"')) {
    field.is_text = true;
    return scan.string(field.text);
  }
  const auto number = scan.integer();
  if (!number) return false;
  field.number = *number;
  return true;
}

std::optional<FlatRequest> scan_flat(std::string_view frame, const Limits& limits) {
  if (frame.size() > limits.max_frame_bytes || limits.max_json_depth < 1) return std::nullopt;
  JsonScanner scan(frame);
  if (!scan.eat('{')) return std::nullopt;
  FlatRequest request;
  do {
    const auto key = scan.plain_string();
    if (!key || !scan.eat(':') || !read_value(scan, *key, limits, request)) return std::nullopt;
  } while (scan.eat(','));
  if (!scan.eat('}') || !scan.at_end() || !request.id || !request.type) return std::nullopt;
  return request;
}

/// A string field as the tree's FieldReader::string() would accept it; false when the tree
/// would refuse it (or must decide).
bool take_string(FlatRequest& request, std::string_view key, std::string& out,
                 const StringRule& rule, Need need) {
  Field* field = request.find(key);
  if (field == nullptr) return need == Need::optional;
  if (!field->is_text || !rule.admits(field->text)) return false;
  out = std::move(field->text);
  return true;
}

/// A required integer field of at most `max` (never negative: JsonScanner reads no sign).
bool take_integer(FlatRequest& request, std::string_view key, std::int64_t& out, std::int64_t max) {
  const Field* field = request.find(key);
  if (field == nullptr || field->is_text || field->number > max) return false;
  out = field->number;
  return true;
}

std::optional<RequestBody> read_send(FlatRequest& request, const Limits& limits) {
  SendMessage r;
  std::int64_t conversation = 0;
  if (!request.only({"conversation_id", "client_msg_id", "text"}) ||
      !take_integer(request, "conversation_id", conversation, FieldReader::kMaxInt64) ||
      conversation < 1 ||
      !take_string(request, "client_msg_id", r.client_msg_id, client_msg_id_rule(limits),
                   Need::required) ||
      !take_string(request, "text", r.text, message_text_rule(limits), Need::required)) {
    return std::nullopt;
  }
  r.conversation_id = ConversationId(conversation);
  return RequestBody(std::in_place_type<SendMessage>, std::move(r));
}

std::optional<RequestBody> read_hello(FlatRequest& request, const Limits& limits) {
  Hello r;
  std::int64_t version = 0;
  if (!request.only({"version", "client"}) ||
      !take_integer(request, "version", version, std::numeric_limits<int>::max()) ||
      !take_string(request, "client", r.client, profile_field_rule(limits), Need::optional)) {
    return std::nullopt;
  }
  r.version = static_cast<int>(version);
  return RequestBody(std::in_place_type<Hello>, std::move(r));
}

std::optional<RequestBody> read_resume(FlatRequest& request) {
  Resume r;
  if (!request.only({"token"}) || !take_string(request, "token", r.token, {}, Need::required)) {
    return std::nullopt;
  }
  return RequestBody(std::in_place_type<Resume>, std::move(r));
}

std::optional<RequestBody> read_login(FlatRequest& request, const Limits& limits) {
  Login r;
  if (!request.only({"username", "password", "device"}) ||
      !take_string(request, "username", r.username, {}, Need::required) ||
      !take_string(request, "password", r.password, password_rule(limits), Need::required) ||
      !take_string(request, "device", r.device, profile_field_rule(limits), Need::optional)) {
    return std::nullopt;
  }
  return RequestBody(std::in_place_type<Login>, std::move(r));
}

std::optional<RequestBody> read_body(FlatRequest& request, const Limits& limits) {
  const std::string_view type = *request.type;
  if (type == "msg.send") return read_send(request, limits);
  if (type == "hello") return read_hello(request, limits);
  if (type == "auth.resume") return read_resume(request);
  if (type == "auth.login") return read_login(request, limits);
  return std::nullopt;
}

}  // namespace

std::optional<ParsedRequest> read_directly(std::string_view frame, const Limits& limits) {
  auto request = scan_flat(frame, limits);
  if (!request) return std::nullopt;
  auto body = read_body(*request, limits);
  if (!body) return std::nullopt;
  return ParsedRequest{std::move(*request->id), std::move(*body)};
}

}  // namespace messenger::protocol::detail
