#pragma once

#include <cstddef>
#include <string_view>

namespace messenger::protocol::detail {

/// Number of code points in valid UTF-8 text (bytes that are not continuation bytes).
std::size_t count_code_points(std::string_view text);

/// The longest prefix of valid UTF-8 `text` with at most `max` code points.
std::string_view prefix_code_points(std::string_view text, std::size_t max);

}  // namespace messenger::protocol::detail
