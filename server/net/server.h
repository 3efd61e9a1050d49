#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "messenger/core/result.h"
#include "messenger/protocol/limits.h"

namespace messenger::service {
class Service;
class Metrics;
}  // namespace messenger::service

namespace messenger::net {

/// Network settings; each is a configuration key (docs/admin-guide.md).
struct NetConfig {
  /// IPv4 or IPv6 literal, e.g. "0.0.0.0", "127.0.0.1", "::".
  std::string bind_address = "0.0.0.0";
  /// 0 picks a free port; Server::start() returns the one bound.
  std::uint16_t port = 7700;
  int io_threads = 1;
  /// Both set: the server speaks only TLS (wss:// and https://).
  std::string tls_cert_file;
  std::string tls_key_file;

  /// Bound on a session's queue of frames waiting to be written; past either bound the client
  /// is too slow and is closed with CloseCode::too_slow.
  std::size_t send_queue_max_bytes = 8 * 1024 * 1024;
  std::size_t send_queue_max_frames = 10000;
  /// Token bucket per connection; 0 requests per second disables the limit.
  int requests_per_second = 100;
  int request_burst = 200;

  /// TLS handshake, HTTP request and WebSocket upgrade / close handshake.
  std::chrono::seconds handshake_timeout{10};
  /// A WebSocket that receives nothing for half of this gets a ping; nothing for all of it and
  /// it is closed.
  std::chrono::seconds idle_timeout{60};
  /// How long a close handshake may take before the TCP connection is cut.
  std::chrono::seconds slow_close_grace{5};
  /// Bound on an HTTP request (headers and body) before the upgrade.
  std::size_t max_http_request_bytes = 8 * 1024;

  /// max_frame_bytes bounds a WebSocket message; the rest is checked by the protocol codec.
  protocol::Limits limits;

  [[nodiscard]] bool tls() const { return !tls_cert_file.empty() && !tls_key_file.empty(); }
};

/// The listener, HTTP routes (/healthz, /metrics, /ws) and WebSocket sessions of one process.
///
/// Lifetime: sessions are handed to the Service as Connections and refer to this Server; the
/// Server must outlive every Connection it handed out. Shut down in this order:
/// stop_accepting(), Service::stop(), stop(), destroy the Service, destroy the Server.
class Server {
 public:
  Server(NetConfig config, service::Service& service, service::Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Loads the TLS certificate (if configured), binds, listens and starts the io threads.
  /// Returns the port actually bound, or an error naming the address and the reason.
  core::Result<std::uint16_t> start();
  /// Closes the listening socket; live connections go on. Idempotent.
  void stop_accepting();
  /// Closes every connection (going_away), waits up to ~3 s for their close handshakes, cuts
  /// what is left and joins the io threads. Idempotent.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace messenger::net
