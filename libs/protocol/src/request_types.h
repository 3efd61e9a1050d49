#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>

#include "messenger/protocol/messages.h"

namespace messenger::protocol::detail {

inline constexpr std::size_t kRequestTypeCount = std::variant_size_v<RequestBody>;

/// The wire "type" of the RequestBody alternative with this index.
std::string_view request_type_at(std::size_t index);

/// The RequestBody alternative index of a wire "type"; nullopt when the protocol has no such type.
std::optional<std::size_t> request_index(std::string_view type);

}  // namespace messenger::protocol::detail
