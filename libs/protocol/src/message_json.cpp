#include "message_json.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "utf8.h"

namespace messenger::protocol::detail {
namespace {

/// A JSON string as nlohmann's dump(ensure_ascii = false) writes it.
bool append_string(std::string& out, std::string_view s) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) return false;
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return true;
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out.append(digits.data(), end);
}

}  // namespace

bool append_message_json(std::string& out, const core::Message& message) {
  const std::size_t start = out.size();
  out.append(R"({"conversation_id":)");
  append_int(out, message.conversation_id.value());
  out.append(R"(,"seq":)");
  append_int(out, message.seq.value());
  out.append(R"(,"rev":)");
  append_int(out, message.rev.value());
  out.append(R"(,"sender_id":)");
  append_int(out, message.sender_id.value());
  out.append(R"(,"client_msg_id":)");
  bool ok = append_string(out, message.client_msg_id);
  out.append(R"(,"text":)");
  ok = ok && append_string(out, message.text);
  if (!ok) {
    out.resize(start);
    return false;
  }
  out.append(R"(,"created_at":)");
  append_int(out, message.created_at);
  out.append(R"(,"edited_at":)");
  append_int(out, message.edited_at);
  out.append(message.deleted ? R"(,"deleted":true})" : R"(,"deleted":false})");
  return true;
}

}  // namespace messenger::protocol::detail
