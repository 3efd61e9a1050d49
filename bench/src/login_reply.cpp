#include "login_reply.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace messenger::bench {
namespace {

using json = nlohmann::json;

/// Tracks where in the document each value is (the open objects and arrays, with each object's
/// current key); keeps only result.token and result.user.id.
class LoginSax final : public nlohmann::json_sax<json> {
 public:
  explicit LoginSax(LoginFields& out) : out_(out) {}

  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t value) override {
    if (at({"result", "user", "id"})) out_.user_id = value;
    return true;
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (at({"result", "user", "id"})) out_.user_id = static_cast<std::int64_t>(value);
    return true;
  }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
  bool string(string_t& value) override {
    if (at({"result", "token"})) out_.token = value;
    return true;
  }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*size*/) override {
    levels_.push_back(Level{false, {}});
    return true;
  }
  bool key(string_t& key) override {
    levels_.back().key = key;
    return true;
  }
  bool end_object() override {
    levels_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*size*/) override {
    levels_.push_back(Level{true, {}});
    return true;
  }
  bool end_array() override {
    levels_.pop_back();
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    return false;
  }

 private:
  struct Level {
    bool array = false;
    std::string key;  // of the value being read, in an object
  };

  /// True when the value being read is at this path of object keys from the root object.
  [[nodiscard]] bool at(std::initializer_list<std::string_view> keys) const {
    if (keys.size() != levels_.size()) return false;
    auto level = levels_.begin();
    for (const std::string_view key : keys) {
      if (level->array || level->key != key) return false;
      ++level;
    }
    return true;
  }

  LoginFields& out_;
  std::vector<Level> levels_;
};

}  // namespace

bool read_login_fields(std::string_view frame, LoginFields& out) {
  out = LoginFields{};
  LoginSax sax(out);
  return json::sax_parse(frame.begin(), frame.end(), &sax);
}

}  // namespace messenger::bench
