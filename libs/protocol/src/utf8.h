#pragma once

#include <cstddef>
#include <string_view>

namespace messenger::protocol::detail {

/// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 when it is not one (overlong
/// forms, surrogates and code points past U+10FFFF included), as nlohmann's decoder decides.
std::size_t utf8_sequence(std::string_view s, std::size_t i);

/// Number of code points in valid UTF-8 text (bytes that are not continuation bytes).
std::size_t count_code_points(std::string_view text);

/// The longest prefix of valid UTF-8 `text` with at most `max` code points.
std::string_view prefix_code_points(std::string_view text, std::size_t max);

}  // namespace messenger::protocol::detail
