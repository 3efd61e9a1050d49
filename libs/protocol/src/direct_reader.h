#pragma once

#include <optional>
#include <string_view>

#include "messenger/protocol/codec.h"
#include "messenger/protocol/limits.h"

namespace messenger::protocol::detail {

/// Reads the requests every connection or every message brings (`hello`, `auth.resume`,
/// `auth.login`, `msg.send`) without building a JSON tree, on the IO thread. It takes only
/// well-formed, valid requests of the plain shape clients send: an object of the request's own
/// fields plus id and type, each once, in any order; strings with at most the short escapes,
/// integers non-negative; no null and no other field. It returns nullopt for anything else,
/// which parse_request_tree() then reads. So every error, every unusual shape and every other
/// request type keeps the tree's exact behaviour and message; what this returns equals what the
/// tree returns for the same bytes (protocol_test checks both on the same inputs).
std::optional<ParsedRequest> read_directly(std::string_view frame, const Limits& limits);

/// parse_request() through the nlohmann tree only.
ParsedRequest parse_request_tree(std::string_view frame, const Limits& limits);

}  // namespace messenger::protocol::detail
