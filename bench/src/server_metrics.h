#pragma once

#include <optional>
#include <string>

#include "metrics_text.h"
#include "ws_connection.h"

namespace messenger::bench {

/// messenger_message_seconds from the server's GET /metrics (the WebSocket URL's host and
/// port), or nullopt when it cannot be read within two seconds or has no such histogram (an
/// older messenger-server). Blocks: call it off the scenario's IO threads.
std::optional<BucketCounts> fetch_message_seconds(const Target& server);

}  // namespace messenger::bench
