#include "field_reader.h"

#include <string>

#include "utf8.h"

namespace messenger::protocol::detail {
namespace {

std::string describe_range(std::int64_t min, std::int64_t max) {
  if (max == FieldReader::kMaxInt64) {
    if (min == 1) return "a positive integer";
    if (min == 0) return "a non-negative integer";
  }
  if (min == std::numeric_limits<int>::min() && max == std::numeric_limits<int>::max()) {
    return "an integer";
  }
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

/// The integer value of a JSON number that is an integer representable as int64.
std::optional<std::int64_t> as_int64(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(FieldReader::kMaxInt64)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  return std::nullopt;
}

}  // namespace

core::Error field_error(std::string_view key, std::string_view problem, core::Errc code) {
  std::string message = "field '";
  message.append(key).append("' ").append(problem);
  return core::make_error(code, std::move(message));
}

const nlohmann::json* FieldReader::find(std::string_view key) const {
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string FieldReader::path_of(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  std::string path = path_;
  path.append(".").append(key);
  return path;
}

core::Error FieldReader::error(std::string_view key, std::string_view problem,
                               core::Errc code) const {
  return field_error(path_of(key), problem, code);
}

core::Result<FieldReader> FieldReader::object(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr) return error(key, "is required");
  if (!value->is_object()) return error(key, "must be an object");
  return FieldReader(*value, path_of(key));
}

core::Status FieldReader::int64(std::string_view key, std::optional<std::int64_t>& out,
                                std::int64_t min, std::int64_t max, Need need) const {
  const Json* value = find(key);
  if (value == nullptr) {
    if (need == Need::required) return error(key, "is required");
    return core::Ok{};
  }
  const auto number = as_int64(*value);
  if (!number || *number < min || *number > max) {
    return error(key, "must be " + describe_range(min, max));
  }
  out = number;
  return core::Ok{};
}

core::Status FieldReader::integer(std::string_view key, int& out, int min, int max,
                                  Need need) const {
  std::optional<std::int64_t> value;
  MESSENGER_TRY(int64(key, value, min, max, need));
  if (value) out = static_cast<int>(*value);
  return core::Ok{};
}

std::size_t StringRule::length_of(std::string_view text) const {
  return unit == Unit::bytes ? text.size() : count_code_points(text);
}

StringRule message_text_rule(const Limits& limits) {
  return {1, limits.max_text_bytes, StringRule::Unit::bytes, core::Errc::too_large};
}

StringRule client_msg_id_rule(const Limits& limits) {
  return {1, limits.max_client_msg_id_chars};
}

StringRule profile_field_rule(const Limits& limits) {
  return {0, limits.max_profile_field_chars};
}

StringRule password_rule(const Limits& limits) {
  return {0, limits.max_password_bytes, StringRule::Unit::bytes};
}

core::Status FieldReader::string(std::string_view key, std::string& out, const StringRule& rule,
                                 Need need) const {
  const Json* value = find(key);
  if (value == nullptr) {
    if (need == Need::required) return error(key, "is required");
    return core::Ok{};
  }
  if (!value->is_string()) return error(key, "must be a string");
  const auto& text = value->get_ref<const std::string&>();
  const std::size_t length = rule.length_of(text);
  const char* unit = rule.unit == StringRule::Unit::bytes ? " bytes" : " characters";
  if (length < rule.min) {
    if (rule.min == 1) return error(key, "must not be empty");
    return error(key, "must be at least " + std::to_string(rule.min) + unit);
  }
  if (length > rule.max) {
    return error(key, "must be at most " + std::to_string(rule.max) + unit, rule.over_max);
  }
  out = text;
  return core::Ok{};
}

core::Status FieldReader::optional_string(std::string_view key, std::optional<std::string>& out,
                                          const StringRule& rule) const {
  if (find(key) == nullptr) return core::Ok{};
  std::string text;
  MESSENGER_TRY(string(key, text, rule, Need::required));
  out = std::move(text);
  return core::Ok{};
}

core::Status FieldReader::boolean(std::string_view key, bool& out, Need need) const {
  const Json* value = find(key);
  if (value == nullptr) {
    if (need == Need::required) return error(key, "is required");
    return core::Ok{};
  }
  if (!value->is_boolean()) return error(key, "must be true or false");
  out = value->get<bool>();
  return core::Ok{};
}

core::Status FieldReader::user_ids(std::string_view key, std::vector<UserId>& out,
                                   std::size_t max_count, Need need) const {
  const Json* value = find(key);
  if (value == nullptr) {
    if (need == Need::required) return error(key, "is required");
    return core::Ok{};
  }
  if (!value->is_array()) return error(key, "must be an array of positive integers");
  if (value->size() > max_count) {
    return error(key, "must have at most " + std::to_string(max_count) + " entries");
  }
  std::vector<UserId> ids;
  ids.reserve(value->size());
  for (const auto& element : *value) {
    const auto number = as_int64(element);
    if (!number || *number < 1) return error(key, "must be an array of positive integers");
    ids.emplace_back(*number);
  }
  out = std::move(ids);
  return core::Ok{};
}

core::Status FieldReader::object_text(std::string_view key, std::string& out, std::size_t max_bytes,
                                      Need need) const {
  const Json* value = find(key);
  if (value == nullptr) {
    if (need == Need::required) return error(key, "is required");
    return core::Ok{};
  }
  if (!value->is_object()) return error(key, "must be an object");
  std::string text = value->dump();
  if (text.size() > max_bytes) {
    return error(key, "must be at most " + std::to_string(max_bytes) + " bytes",
                 core::Errc::too_large);
  }
  out = std::move(text);
  return core::Ok{};
}

core::Status FieldReader::choice(std::string_view key, std::string& out,
                                 std::initializer_list<std::string_view> allowed, Need need) const {
  const Json* value = find(key);
  if (value == nullptr) {
    if (need == Need::required) return error(key, "is required");
    return core::Ok{};
  }
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    for (const auto candidate : allowed) {
      if (candidate == text) {
        out = text;
        return core::Ok{};
      }
    }
  }
  std::string problem = "must be one of";
  const char* separator = " ";
  for (const auto candidate : allowed) {
    problem.append(separator).append("'").append(candidate).append("'");
    separator = ", ";
  }
  return error(key, problem);
}

}  // namespace messenger::protocol::detail
