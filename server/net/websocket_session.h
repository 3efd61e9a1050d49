#pragma once

#include <cstdint>
#include <string>

#include "beast.h"
#include "session_context.h"

namespace messenger::net {

/// Takes over a connection whose HTTP request asked for the WebSocket upgrade at /ws: accepts
/// it, registers the session with the Service and runs it until it closes. Instantiated for
/// PlainStream and TlsStream in websocket_session.cpp.
template <typename Stream>
void run_websocket_session(Stream stream, HttpRequest request, SessionContext& context,
                           std::int64_t connection_id, std::string log_context,
                           std::string remote_address);

}  // namespace messenger::net
