#pragma once

#include "asio.h"
#include "connection.h"
#include "server.h"
#include "session_registry.h"

namespace messenger::net {

/// What every session of one Server shares. Owned by the Server; outlives its sessions.
struct SessionContext {
  NetConfig config;
  service::Service& service;
  service::Metrics& metrics;
  ssl::context* tls = nullptr;          // null: plain ws:// and http://
  service::Courier* courier = nullptr;  // carries group commits' frames to the sessions
  SessionRegistry registry;
};

/// Starts serving an accepted TCP connection: TLS handshake (when configured), HTTP requests,
/// and on an upgrade at /ws a WebSocket session. The socket's executor is the connection's
/// strand; `remote` is the peer's address as the accept returned it.
void start_http_session(ConnectionSocket socket, const tcp::endpoint& remote,
                        SessionContext& context, std::int64_t connection_id);

}  // namespace messenger::net
