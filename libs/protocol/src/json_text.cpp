#include "json_text.h"

#include <array>
#include <charconv>

#include "plain_run.h"
#include "utf8.h"

namespace messenger::protocol::detail {
namespace {

template <typename Int>
void append_digits(std::string& out, Int value) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out.append(digits.data(), end);
}

}  // namespace

bool append_json_string(std::string& out, std::string_view s) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  out.push_back('"');
  // Text that needs no escape (nearly all of it) goes out in one append per run instead of one
  // push_back per byte, and is scanned 8 bytes at a time: the byte loop was ~10 instructions a
  // byte, the service thread's largest cost after SQLite, which encodes each message twice
  // (message.new and the sender's result).
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size();) {
    i = skip_plain_blocks(s, i);
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) return false;
      i += n;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
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
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
  return true;
}

void append_json_int(std::string& out, std::int64_t value) {
  append_digits(out, value);
}

void append_json_uint(std::string& out, std::uint64_t value) {
  append_digits(out, value);
}

}  // namespace messenger::protocol::detail
