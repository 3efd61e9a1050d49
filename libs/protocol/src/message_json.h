#pragma once

#include <string>

#include "messenger/core/domain.h"

namespace messenger::protocol::detail {

/// Appends the "Message" object of docs/protocol.md to `out`, byte for byte what
/// dump(to_json(message)) writes, without building a JSON tree: messages are encoded once per
/// send and once per edit, on the service thread. Returns false, with `out` unchanged, when a
/// string is not valid UTF-8; the caller then takes the tree path, which replaces bad bytes.
bool append_message_json(std::string& out, const core::Message& message);

}  // namespace messenger::protocol::detail
