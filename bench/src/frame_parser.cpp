#include "frame_parser.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

namespace messenger::bench {
namespace {

using json = nlohmann::json;

enum class Where : std::uint8_t { top, event_message, result, result_message, result_user, skip };
enum class Key : std::uint8_t {
  other,
  type,
  id,
  code,
  message,
  result,
  conversation_id,
  sender_id,
  seq,
  text,
  duplicate,
  token,
  user
};

Key classify(std::string_view k) {
  switch (k.size()) {
    case 2:
      return k == "id" ? Key::id : Key::other;
    case 3:
      return k == "seq" ? Key::seq : Key::other;
    case 4:
      if (k == "type") return Key::type;
      if (k == "code") return Key::code;
      if (k == "text") return Key::text;
      if (k == "user") return Key::user;
      return Key::other;
    case 5:
      return k == "token" ? Key::token : Key::other;
    case 6:
      return k == "result" ? Key::result : Key::other;
    case 7:
      return k == "message" ? Key::message : Key::other;
    case 9:
      if (k == "sender_id") return Key::sender_id;
      if (k == "duplicate") return Key::duplicate;
      return Key::other;
    case 15:
      return k == "conversation_id" ? Key::conversation_id : Key::other;
    default:
      return Key::other;
  }
}

FrameKind kind_of(std::string_view type) {
  if (type == "result") return FrameKind::result;
  if (type == "message.new") return FrameKind::message_new;
  if (type == "error") return FrameKind::error;
  return FrameKind::other;
}

/// nlohmann's SAX interface, keeping only the fields of FrameInfo.
class Scanner {
 public:
  explicit Scanner(FrameInfo& info) : info_(info) {}

  bool null() { return true; }
  bool boolean(bool value) {
    if (where() == Where::result && key_ == Key::duplicate) info_.duplicate = value;
    return true;
  }
  bool number_integer(json::number_integer_t value) { return integer(value); }
  bool number_unsigned(json::number_unsigned_t value) {
    return integer(static_cast<std::int64_t>(value));
  }
  bool number_float(json::number_float_t /*value*/, const json::string_t& /*text*/) { return true; }
  bool string(json::string_t& value) {
    const Where w = where();
    if (w == Where::top) {
      if (key_ == Key::type) {
        info_.kind = kind_of(value);
      } else if (key_ == Key::code) {
        info_.code.assign(value);
      }
    } else if ((w == Where::event_message || w == Where::result_message) && key_ == Key::text) {
      info_.sent_ns = parse_sent_ns(value);
    } else if (w == Where::result && key_ == Key::token) {
      info_.token.assign(value);
    }
    return true;
  }
  bool binary(json::binary_t& /*value*/) { return true; }
  bool start_object(std::size_t /*elements*/) {
    Where child = Where::skip;
    if (depth_ == 0) {
      child = Where::top;
    } else {
      const Where w = where();
      if (w == Where::top && key_ == Key::message) child = Where::event_message;
      if (w == Where::top && key_ == Key::result) child = Where::result;
      if (w == Where::result && key_ == Key::message) child = Where::result_message;
      if (w == Where::result && key_ == Key::user) child = Where::result_user;
    }
    return push(child);
  }
  bool end_object() { return pop(); }
  bool start_array(std::size_t /*elements*/) { return push(Where::skip); }
  bool end_array() { return pop(); }
  bool key(json::string_t& value) {
    key_ = where() == Where::skip ? Key::other : classify(value);
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const json::exception& /*error*/) {
    return false;
  }

  [[nodiscard]] bool saw_object() const { return saw_object_; }

 private:
  bool integer(std::int64_t value) {
    switch (where()) {
      case Where::top:
        if (key_ == Key::id) {
          info_.has_id = true;
          info_.id = value;
        }
        break;
      case Where::event_message:
      case Where::result_message:
        if (key_ == Key::conversation_id) info_.conversation_id = value;
        if (key_ == Key::sender_id) info_.sender_id = value;
        if (key_ == Key::seq) info_.seq = value;
        break;
      case Where::result_user:
        if (key_ == Key::id) info_.user_id = value;
        break;
      default:
        break;
    }
    return true;
  }
  [[nodiscard]] Where where() const {
    return depth_ == 0 || depth_ > stack_.size() ? Where::skip : stack_[depth_ - 1];
  }
  bool push(Where w) {
    if (depth_ == 0) saw_object_ = w == Where::top;
    if (depth_ < stack_.size()) stack_[depth_] = w;
    ++depth_;
    key_ = Key::other;
    return true;
  }
  bool pop() {
    --depth_;
    key_ = Key::other;
    return true;
  }

  FrameInfo& info_;
  std::array<Where, 8> stack_{};
  std::size_t depth_ = 0;
  Key key_ = Key::other;
  bool saw_object_ = false;
};

/// The hand-written scanner: a recursive descent over the frame that checks the structure
/// (strings, numbers, literals, nesting) and records the FrameInfo fields in one pass.
class FastScanner {
 public:
  FastScanner(std::string_view frame, FrameInfo& info)
      : p_(frame.data()), end_(frame.data() + frame.size()), info_(info) {}

  bool run() {
    skip_space();
    if (p_ == end_ || *p_ != '{') return false;
    if (!object(Where::top, 0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  /// A string at p_ (on its opening quote). `raw` is its content without unescaping and
  /// `escaped` tells whether it had any backslash.
  bool string(std::string_view& raw, bool& escaped) {
    ++p_;
    const char* begin = p_;
    escaped = false;
    while (p_ != end_) {
      const char c = *p_;
      if (c == '"') {
        raw = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
        ++p_;
        return true;
      }
      if (c == '\\') {
        escaped = true;
        if (++p_ == end_) return false;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      }
      ++p_;
    }
    return false;
  }

  /// A number at p_; `integer` is set when it is an integer that fits in 64 bits.
  bool number(std::int64_t& value, bool& integer) {
    const char* begin = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    const char* digits = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    if (p_ == digits) return false;
    integer = true;
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      const char* fraction = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == fraction) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      const char* exponent = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == exponent) return false;
    }
    if (integer) {
      const auto [stop, ec] = std::from_chars(begin, p_, value);
      integer = ec == std::errc{} && stop == p_;
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  /// Any value at p_, inside `where` under `key`.
  bool value(Where where, Key key, int depth) {
    skip_space();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': {
        Where child = Where::skip;
        if (where == Where::top && key == Key::message) child = Where::event_message;
        if (where == Where::top && key == Key::result) child = Where::result;
        if (where == Where::result && key == Key::message) child = Where::result_message;
        if (where == Where::result && key == Key::user) child = Where::result_user;
        return object(child, depth + 1);
      }
      case '[':
        return array(depth + 1);
      case '"': {
        std::string_view raw;
        bool escaped = false;
        if (!string(raw, escaped)) return false;
        if (where == Where::top && key == Key::type) {
          info_.kind = escaped ? FrameKind::other : kind_of(raw);
        } else if (where == Where::top && key == Key::code) {
          info_.code.assign(raw);
        } else if ((where == Where::event_message || where == Where::result_message) &&
                   key == Key::text) {
          // The timestamp is plain digits then a space: escapes cannot come before it.
          info_.sent_ns = parse_sent_ns(raw);
        } else if (where == Where::result && key == Key::token) {
          info_.token.assign(raw);
        }
        return true;
      }
      case 't':
        if (!literal("true")) return false;
        if (where == Where::result && key == Key::duplicate) info_.duplicate = true;
        return true;
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default: {
        std::int64_t number_value = 0;
        bool integer = false;
        if (!number(number_value, integer)) return false;
        if (!integer) return true;
        if (where == Where::top && key == Key::id) {
          info_.has_id = true;
          info_.id = number_value;
        } else if (where == Where::event_message || where == Where::result_message) {
          if (key == Key::conversation_id) info_.conversation_id = number_value;
          if (key == Key::sender_id) info_.sender_id = number_value;
          if (key == Key::seq) info_.seq = number_value;
        } else if (where == Where::result_user && key == Key::id) {
          info_.user_id = number_value;
        }
        return true;
      }
    }
  }

  bool object(Where where, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    skip_space();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_space();
      if (p_ == end_ || *p_ != '"') return false;
      std::string_view name;
      bool escaped = false;
      if (!string(name, escaped)) return false;
      const Key key = where == Where::skip || escaped ? Key::other : classify(name);
      skip_space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      if (!value(where, key, depth)) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  bool array(int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    skip_space();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!value(Where::skip, Key::other, depth)) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  const char* p_;
  const char* end_;
  FrameInfo& info_;
};

std::int64_t int_or_zero(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

void scan_message_dom(const json& message, FrameInfo& info) {
  info.conversation_id = int_or_zero(message, "conversation_id");
  info.sender_id = int_or_zero(message, "sender_id");
  info.seq = int_or_zero(message, "seq");
  const auto text = message.find("text");
  if (text != message.end() && text->is_string()) {
    info.sent_ns = parse_sent_ns(text->get_ref<const std::string&>());
  }
}

bool scan_dom(std::string_view frame, FrameInfo& info) {
  const json doc = json::parse(frame, nullptr, false);
  if (!doc.is_object()) return false;
  const auto type = doc.find("type");
  if (type != doc.end() && type->is_string()) {
    info.kind = kind_of(type->get_ref<const std::string&>());
  }
  const auto id = doc.find("id");
  if (id != doc.end() && id->is_number_integer()) {
    info.has_id = true;
    info.id = id->get<std::int64_t>();
  }
  const auto code = doc.find("code");
  if (code != doc.end() && code->is_string()) info.code = code->get_ref<const std::string&>();
  const auto message = doc.find("message");
  if (message != doc.end() && message->is_object()) scan_message_dom(*message, info);
  const auto result = doc.find("result");
  if (result != doc.end() && result->is_object()) {
    const auto inner = result->find("message");
    if (inner != result->end() && inner->is_object()) scan_message_dom(*inner, info);
    const auto duplicate = result->find("duplicate");
    if (duplicate != result->end() && duplicate->is_boolean()) {
      info.duplicate = duplicate->get<bool>();
    }
    const auto token = result->find("token");
    if (token != result->end() && token->is_string()) {
      info.token = token->get_ref<const std::string&>();
    }
    const auto user = result->find("user");
    if (user != result->end() && user->is_object()) info.user_id = int_or_zero(*user, "id");
  }
  return true;
}

}  // namespace

void FrameInfo::reset() {
  kind = FrameKind::other;
  has_id = false;
  id = 0;
  conversation_id = 0;
  sender_id = 0;
  seq = 0;
  sent_ns = -1;
  duplicate = false;
  code.clear();
  user_id = 0;
  token.clear();
}

std::string_view parser_name(ParserKind parser) {
  switch (parser) {
    case ParserKind::fast:
      return "fast";
    case ParserKind::sax:
      return "sax";
    case ParserKind::dom:
      return "dom";
  }
  return "?";
}

bool scan_frame(std::string_view frame, FrameInfo& info, ParserKind parser) {
  info.reset();
  switch (parser) {
    case ParserKind::fast:
      return FastScanner(frame, info).run();
    case ParserKind::dom:
      return scan_dom(frame, info);
    case ParserKind::sax:
      break;
  }
  Scanner scanner(info);
  const bool ok = json::sax_parse(frame.begin(), frame.end(), &scanner);
  return ok && scanner.saw_object();
}

void append_message_text(std::string& out, std::int64_t sent_ns, std::size_t size) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), sent_ns);
  const auto length = static_cast<std::size_t>(end - digits.data());
  out.append(digits.data(), length);
  if (size > length + 1) {
    out.push_back(' ');
    // Lower-case letters need no JSON escaping and cost the server's UTF-8 check nothing special.
    static constexpr std::string_view kPad =
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"
        "l";
    std::size_t left = size - length - 1;
    while (left > 0) {
      const std::size_t n = left < kPad.size() ? left : kPad.size();
      out.append(kPad.data(), n);
      left -= n;
    }
  }
}

std::int64_t parse_sent_ns(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) return -1;
  if (end != text.data() + text.size() && *end != ' ') return -1;
  return value;
}

}  // namespace messenger::bench
