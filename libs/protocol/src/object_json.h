#pragma once

#include <string>

#include "messenger/protocol/messages.h"

namespace messenger::protocol::detail {

// Direct writers of objects of docs/protocol.md, byte for byte what dump(to_json(x)) writes
// (wire_objects.h), without building a JSON tree: every connection's hello and login or resume
// reply carries them, and building their trees cost more than the rest of a resume's handling.

/// Appends the "User" object. Returns false, with `out` unchanged, when a string is not valid
/// UTF-8; the caller then takes the tree path, which replaces bad bytes.
bool append_user_json(std::string& out, const UserView& view);

/// Appends the "limits" object of the hello result.
void append_limits_json(std::string& out, const Limits& limits);

}  // namespace messenger::protocol::detail
