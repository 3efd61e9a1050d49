#pragma once

#include <QRandomGenerator>
#include <cstdint>
#include <string>

namespace messenger::client::detail {

/// A new id for a message the user sends (its `client_msg_id`, which the server deduplicates
/// retries by): a UUID version 7 (RFC 9562), the time `unix_ms` in its first 48 bits, then 74
/// random bits. Ids of later milliseconds sort after earlier ones (within one millisecond, or
/// after the clock steps back, in no particular order; nothing relies on the order). So the
/// server files new messages, everyone's, at the end of its deduplication index, where a
/// commit's messages share a few pages; random ids (version 4) land anywhere in it, a page
/// each, and a server with a long history then writes and caches more of it (docs/storage.md).
std::string new_client_msg_id(std::int64_t unix_ms, QRandomGenerator& random);

}  // namespace messenger::client::detail
