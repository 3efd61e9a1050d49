#include "utf8.h"

namespace messenger::protocol::detail {
namespace {

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

}  // namespace

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if (!is_continuation(c)) ++count;
  }
  return count;
}

std::string_view prefix_code_points(std::string_view text, std::size_t max) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(text[i])) {
      if (seen == max) return text.substr(0, i);
      ++seen;
    }
  }
  return text;
}

}  // namespace messenger::protocol::detail
