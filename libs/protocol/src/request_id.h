#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "messenger/protocol/messages.h"

namespace messenger::protocol::detail {

/// Whether `text` (valid UTF-8) is a valid string request id: 1..max_request_id_chars code points.
bool is_valid_string_id(std::string_view text, const Limits& limits);

/// The serialized id when `value` is a valid request id: a string of 1..max_request_id_chars
/// code points or a non-negative integer.
std::optional<RequestIdJson> valid_request_id(const nlohmann::json& value, const Limits& limits);

/// The top-level "id" of a frame that is valid JSON but nested too deep to be parsed into a
/// document, so that its too_deep error can still name the request. Streams through the frame
/// with nlohmann's SAX parser, which keeps its nesting on a heap-allocated bit stack rather than
/// recursing. nullopt when the frame is not a JSON object or has no valid id.
std::optional<RequestIdJson> find_request_id(std::string_view frame, const Limits& limits);

}  // namespace messenger::protocol::detail
