#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "field_reader.h"
#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"

namespace messenger::protocol::detail {

// Counterparts of to_json (wire_objects.h), for clients: each fills `out` from an object of a
// server frame. Every field docs/protocol.md lists is required unless the document says it may be
// left out; unknown fields are ignored, since a newer server may add some. Lengths and ranges are
// the server's to enforce, so only presence and JSON types are checked.
core::Status from_json(const FieldReader& fields, UserView& out);
/// Without members, as in a channel listing; "members" is ignored when present.
core::Status from_json(const FieldReader& fields, core::Conversation& out);
core::Status from_json(const FieldReader& fields, ConversationDetails& out);
core::Status from_json(const FieldReader& fields, core::Member& out);
core::Status from_json(const FieldReader& fields, core::Message& out);
core::Status from_json(const FieldReader& fields, ConversationSummary& out);
core::Status from_json(const FieldReader& fields, ChannelInfo& out);
core::Status from_json(const FieldReader& fields, Limits& out);

/// Any string. Bytes rather than code points, so that nothing is counted for a bound of "any".
inline constexpr StringRule kAnyString{0, std::numeric_limits<std::size_t>::max(),
                                       StringRule::Unit::bytes};

/// A required enumeration, spelled as `from_string` reads it.
template <typename Enum>
core::Status read_enum(const FieldReader& fields, std::string_view key, Enum& out,
                       std::optional<Enum> (*from_string)(std::string_view)) {
  std::string text;
  MESSENGER_TRY(fields.string(key, text, kAnyString, Need::required));
  const std::optional<Enum> value = from_string(text);
  if (!value) return fields.error(key, "has an unknown value '" + text + "'");
  out = *value;
  return core::Ok{};
}

/// A required object, read by from_json.
template <typename T>
core::Status read_object(const FieldReader& fields, std::string_view key, T& out) {
  auto object = fields.object(key);
  if (!object.ok()) return object.error();
  return from_json(*object, out);
}

/// An object that may be null (or absent): then `out` stays nullopt.
template <typename T>
core::Status read_optional_object(const FieldReader& fields, std::string_view key,
                                  std::optional<T>& out) {
  if (fields.find(key) == nullptr) return core::Ok{};
  T value;
  MESSENGER_TRY(read_object(fields, key, value));
  out = std::move(value);
  return core::Ok{};
}

/// A required array of objects, each read by from_json; errors name the element ("users[1].id").
template <typename T>
core::Status read_array(const FieldReader& fields, std::string_view key, std::vector<T>& out) {
  const FieldReader::Json* array = fields.find(key);
  if (array == nullptr) return fields.error(key, "is required");
  if (!array->is_array()) return fields.error(key, "must be an array");
  std::vector<T> items(array->size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = fields.path_of(key) + "[" + std::to_string(i) + "]";
    const FieldReader::Json& element = (*array)[i];
    if (!element.is_object()) return field_error(path, "must be an object");
    MESSENGER_TRY(from_json(FieldReader(element, std::move(path)), items[i]));
  }
  out = std::move(items);
  return core::Ok{};
}

}  // namespace messenger::protocol::detail
