#include "request_id.h"

#include <cstdint>
#include <string>

#include "utf8.h"

namespace messenger::protocol::detail {
namespace {

using Json = nlohmann::json;

/// SAX handler that keeps only the last scalar value of the key "id" of the top-level object,
/// as a DOM parse would (the last of duplicate keys wins).
class TopLevelIdFinder {
 public:
  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool value) { return scalar(Json(value)); }
  bool number_integer(std::int64_t value) { return scalar(Json(value)); }
  bool number_unsigned(std::uint64_t value) { return scalar(Json(value)); }
  bool number_float(double value, const std::string& /*text*/) { return scalar(Json(value)); }
  bool string(std::string& value) { return scalar(Json(std::move(value))); }
  bool binary(Json::binary_t& /*value*/) { return scalar(Json()); }
  bool start_object(std::size_t /*elements*/) { return open(/*is_object=*/true); }
  bool start_array(std::size_t /*elements*/) { return open(/*is_object=*/false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& name) {
    if (depth_ == 1) at_id_ = name == "id";
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    return false;
  }

  [[nodiscard]] const std::optional<Json>& id() const { return id_; }
  [[nodiscard]] bool top_is_object() const { return top_is_object_; }

 private:
  bool scalar(Json value) {
    if (depth_ == 1 && at_id_) id_ = std::move(value);
    at_id_ = false;
    return true;
  }
  bool open(bool is_object) {
    if (depth_ == 0) top_is_object_ = is_object;
    if (depth_ == 1 && at_id_) id_.reset();  // an array or object is no id
    at_id_ = false;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::int64_t depth_ = 0;
  bool at_id_ = false;
  bool top_is_object_ = false;
  std::optional<Json> id_;
};

}  // namespace

bool is_valid_string_id(std::string_view text, const Limits& limits) {
  const std::size_t length = count_code_points(text);
  return length >= 1 && length <= limits.max_request_id_chars;
}

std::optional<RequestIdJson> valid_request_id(const Json& value, const Limits& limits) {
  if (value.is_number_unsigned()) return value.dump();
  if (value.is_string() && is_valid_string_id(value.get_ref<const std::string&>(), limits)) {
    return value.dump();
  }
  return std::nullopt;
}

std::optional<RequestIdJson> find_request_id(std::string_view frame, const Limits& limits) {
  TopLevelIdFinder finder;
  if (!Json::sax_parse(frame, &finder) || !finder.top_is_object() || !finder.id()) {
    return std::nullopt;
  }
  return valid_request_id(*finder.id(), limits);
}

}  // namespace messenger::protocol::detail
