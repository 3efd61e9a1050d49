#include "send_reader.h"

#include <cstdint>
#include <string>

#include "field_reader.h"
#include "request_id.h"
#include "utf8.h"

namespace messenger::protocol::detail {
namespace {

constexpr std::string_view kSendType = "msg.send";
constexpr int kMaxDigits = 18;  // every 18-digit number fits an int64; longer ones take the tree

/// A cursor over the frame. Every reader returns false (or nullopt) for what it does not take;
/// the caller then gives the whole frame to the tree.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  void skip_space() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }

  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  [[nodiscard]] bool at_end() {
    skip_space();
    return i_ == s_.size();
  }

  /// A string with no escape: its bytes, valid UTF-8 without control characters.
  std::optional<std::string_view> plain_string() {
    if (!eat('"')) return std::nullopt;
    const std::size_t start = i_;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return s_.substr(start, i_++ - start);
      if (c == '\\' || c < 0x20) return std::nullopt;
      if (c < 0x80) {  // ASCII, nearly every byte: no call per byte
        ++i_;
        continue;
      }
      const std::size_t n = utf8_sequence(s_, i_);
      if (n == 0) return std::nullopt;
      i_ += n;
    }
    return std::nullopt;
  }

  /// A string whose escapes are the short ones (\" \\ \/ \b \f \n \r \t), decoded into `out`;
  /// \u escapes are left to the tree (surrogate pairs and their errors).
  bool string(std::string& out) {
    if (!eat('"')) return false;
    std::size_t run = i_;  // start of the bytes not yet copied
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out.append(s_.substr(run, i_ - run));
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        out.append(s_.substr(run, i_ - run));
        if (i_ + 1 >= s_.size()) return false;
        const char decoded = unescape(s_[i_ + 1]);
        if (decoded == 0) return false;
        out.push_back(decoded);
        i_ += 2;
        run = i_;
        continue;
      }
      if (c < 0x80) {  // ASCII, nearly every byte of a message: no call per byte
        ++i_;
        continue;
      }
      const std::size_t n = utf8_sequence(s_, i_);
      if (n == 0) return false;
      i_ += n;
    }
    return false;
  }

  /// A non-negative integer of at most kMaxDigits digits, in JSON's form (no leading zero, no
  /// fraction, no exponent).
  std::optional<std::int64_t> integer() {
    skip_space();
    const std::size_t start = i_;
    std::int64_t value = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      value = value * 10 + (s_[i_] - '0');
      ++i_;
      if (i_ - start > kMaxDigits) return std::nullopt;
    }
    const std::size_t digits = i_ - start;
    if (digits == 0 || (digits > 1 && s_[start] == '0')) return std::nullopt;
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return std::nullopt;
    return value;
  }

  [[nodiscard]] std::string_view consumed_since(std::size_t start) const {
    return s_.substr(start, i_ - start);
  }
  [[nodiscard]] std::size_t position() const { return i_; }

 private:
  static char unescape(char c) {
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return 0;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

/// The five fields, each read at most once.
struct Fields {
  std::optional<RequestIdJson> id;
  bool type = false;
  std::optional<std::int64_t> conversation_id;
  std::optional<std::string> client_msg_id;
  std::optional<std::string> text;
};

/// Reads the value of `key` into `fields`; false for an unknown or repeated key, or a value the
/// tree would refuse or treat differently.
bool read_field(Scanner& scan, std::string_view key, Fields& fields, const Limits& limits) {
  if (key == "id") {
    if (fields.id) return false;
    scan.skip_space();
    const std::size_t start = scan.position();
    if (auto number = scan.integer()) {
      fields.id = RequestIdJson(scan.consumed_since(start));  // as dump() writes it
      return true;
    }
    const auto text = scan.plain_string();
    if (!text || !is_valid_string_id(*text, limits)) return false;
    fields.id = RequestIdJson(scan.consumed_since(start));  // no escape: as dump() writes it
    return true;
  }
  if (key == "type") {
    if (fields.type) return false;
    const auto type = scan.plain_string();
    fields.type = type && *type == kSendType;
    return fields.type;
  }
  if (key == "conversation_id") {
    if (fields.conversation_id) return false;
    fields.conversation_id = scan.integer();
    return fields.conversation_id && *fields.conversation_id >= 1;
  }
  if (key == "client_msg_id") {
    if (fields.client_msg_id) return false;
    std::string value;
    if (!scan.string(value) || !client_msg_id_rule(limits).admits(value)) return false;
    fields.client_msg_id = std::move(value);
    return true;
  }
  if (key == "text") {
    if (fields.text) return false;
    std::string value;
    if (!scan.string(value) || !message_text_rule(limits).admits(value)) return false;
    fields.text = std::move(value);
    return true;
  }
  return false;
}

}  // namespace

std::optional<ParsedRequest> read_send_directly(std::string_view frame, const Limits& limits) {
  if (frame.size() > limits.max_frame_bytes || limits.max_json_depth < 1) return std::nullopt;
  Scanner scan(frame);
  if (!scan.eat('{')) return std::nullopt;
  Fields fields;
  do {
    const auto key = scan.plain_string();
    if (!key || !scan.eat(':') || !read_field(scan, *key, fields, limits)) return std::nullopt;
  } while (scan.eat(','));
  if (!scan.eat('}') || !scan.at_end()) return std::nullopt;
  if (!fields.id || !fields.type || !fields.conversation_id || !fields.client_msg_id ||
      !fields.text) {
    return std::nullopt;
  }
  return ParsedRequest{
      std::move(*fields.id),
      RequestBody(std::in_place_type<SendMessage>,
                  SendMessage{ConversationId(*fields.conversation_id),
                              std::move(*fields.client_msg_id), std::move(*fields.text)})};
}

}  // namespace messenger::protocol::detail
