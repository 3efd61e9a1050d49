#pragma once

#include <string_view>

namespace messenger::protocol::detail {

/// True when `text` opens more than `max_depth` arrays or objects inside each other. A linear
/// scan that skips string contents (and escaped quotes in them) and needs no stack, so it is safe
/// to run on hostile input before a parser sees it. It does not validate the JSON.
bool json_depth_exceeds(std::string_view text, int max_depth);

}  // namespace messenger::protocol::detail
