#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"

namespace messenger::protocol::detail {

enum class Need { required, optional };

/// Length bounds of a string field. Code points for text people type into short fields, bytes
/// where storage size is what matters (message text, passwords).
struct StringRule {
  enum class Unit { code_points, bytes };
  std::size_t min = 0;
  std::size_t max = std::numeric_limits<std::size_t>::max();
  Unit unit = Unit::code_points;
  core::Errc over_max = core::Errc::bad_request;

  /// The length of `text` (valid UTF-8) in this rule's unit.
  [[nodiscard]] std::size_t length_of(std::string_view text) const;
  [[nodiscard]] bool admits(std::string_view text) const {
    const std::size_t length = length_of(text);
    return length >= min && length <= max;
  }
};

/// The rules of fields read both by the tree and by the direct reader (direct_reader.h).
StringRule message_text_rule(const Limits& limits);
StringRule client_msg_id_rule(const Limits& limits);
/// Short free text: hello's client, a login's device, profile fields, search queries.
StringRule profile_field_rule(const Limits& limits);
/// A password as given (to log in or to check the current one): bytes, no lower bound.
StringRule password_rule(const Limits& limits);

/// Reads the fields of one JSON object: a request, or (for clients) an object of a server frame.
/// Each call checks presence, JSON type and bounds and returns an error naming the field; an
/// absent field (or null) leaves `out` unchanged unless it is required. Unknown fields are never
/// looked at.
class FieldReader {
 public:
  using Json = nlohmann::json;
  static constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

  /// `path` is where `object` sits in the frame ("result.user"; empty at the top), so that errors
  /// about nested fields name them in full ("field 'result.user.presence' ...").
  explicit FieldReader(const Json& object, std::string path = {})
      : object_(object), path_(std::move(path)) {}

  /// A required identifier: an integer >= 1.
  template <typename Id>
  core::Status id(std::string_view key, Id& out) const {
    std::optional<std::int64_t> value;
    MESSENGER_TRY(int64(key, value, 1, kMaxInt64, Need::required));
    out = Id(*value);
    return core::Ok{};
  }

  /// An identifier-like integer (seq, rev, user id) that may be absent; at least `min`.
  template <typename Id>
  core::Status optional_id(std::string_view key, std::optional<Id>& out, std::int64_t min) const {
    std::optional<std::int64_t> value;
    MESSENGER_TRY(int64(key, value, min, kMaxInt64, Need::optional));
    if (value) out = Id(*value);
    return core::Ok{};
  }

  /// An integer >= 0 (an identifier-like seq or rev, a count, a timestamp) stored as `T`; when
  /// absent and optional it keeps its default (normally 0).
  template <typename T>
  core::Status counter(std::string_view key, T& out, Need need = Need::optional) const {
    std::optional<std::int64_t> value;
    MESSENGER_TRY(int64(key, value, 0, kMaxInt64, need));
    if (value) out = T(*value);
    return core::Ok{};
  }

  core::Status integer(std::string_view key, int& out, int min, int max, Need need) const;
  core::Status string(std::string_view key, std::string& out, const StringRule& rule,
                      Need need) const;
  core::Status optional_string(std::string_view key, std::optional<std::string>& out,
                               const StringRule& rule) const;
  core::Status boolean(std::string_view key, bool& out, Need need) const;
  /// An array of user ids (each >= 1) with at most `max_count` entries.
  core::Status user_ids(std::string_view key, std::vector<UserId>& out, std::size_t max_count,
                        Need need) const;
  /// A JSON object, stored as its compact text; over `max_bytes` is Errc::too_large.
  core::Status object_text(std::string_view key, std::string& out, std::size_t max_bytes,
                           Need need) const;
  /// A string that must be one of `allowed`.
  core::Status choice(std::string_view key, std::string& out,
                      std::initializer_list<std::string_view> allowed, Need need) const;

  /// The object at `key` as a reader of its fields; an error when it is absent or no object.
  [[nodiscard]] core::Result<FieldReader> object(std::string_view key) const;

  /// The value of `key`, or nullptr when it is absent or null.
  [[nodiscard]] const Json* find(std::string_view key) const;
  /// The full name of `key` for messages: the path, a dot, the key.
  [[nodiscard]] std::string path_of(std::string_view key) const;
  /// field_error() for `key`, named by its path.
  [[nodiscard]] core::Error error(std::string_view key, std::string_view problem,
                                  core::Errc code = core::Errc::bad_request) const;

 private:
  core::Status int64(std::string_view key, std::optional<std::int64_t>& out, std::int64_t min,
                     std::int64_t max, Need need) const;

  const Json& object_;
  std::string path_;
};

/// "field 'name' ..." errors, so every message names the field the same way.
core::Error field_error(std::string_view key, std::string_view problem,
                        core::Errc code = core::Errc::bad_request);

}  // namespace messenger::protocol::detail
