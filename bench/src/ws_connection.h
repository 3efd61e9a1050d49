#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "asio.h"

namespace messenger::bench {

/// Where the clients connect: a resolved endpoint plus the Host header and the request path.
struct Target {
  tcp::endpoint endpoint;
  std::string host;  // "127.0.0.1:PORT"
  std::string path;  // "/ws"
};

/// Parses ws://HOST:PORT/PATH with a numeric IPv4/IPv6 host (loopback benchmarks need no DNS).
/// Returns false and sets `error` otherwise.
bool parse_ws_url(std::string_view url, Target& target, std::string& error);

/// What happens on one connection, called on the connection's executor.
class WsHandler {
 public:
  virtual void on_open() = 0;
  /// One text message; the view is valid until the call returns.
  virtual void on_text(std::string_view frame) = 0;
  /// The connection is over (error, close frame or our own close); called at most once.
  virtual void on_closed(std::string_view reason) = 0;

 protected:
  ~WsHandler() = default;
};

/// A client WebSocket connection behind a plain interface, so that only ws_connection.cpp pays
/// for compiling Beast (which does the handshake; the frames go through ws_framing.h). Every
/// member function must be called on the connection's executor. At most one write is in flight;
/// frames sent meanwhile join the next one. Buffers are kept and reused, so a steady stream of
/// sends and receipts allocates nothing.
class WsConnection {
 public:
  WsConnection(asio::any_io_executor executor, WsHandler& handler);
  ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  /// TCP connect, then the WebSocket handshake; on_open() or on_closed() follows.
  void connect(const Target& target);

  /// A cleared string (with capacity from earlier frames) to build the next frame in.
  std::string take_buffer();
  /// Queues one text frame.
  void send(std::string frame);
  /// A normal close handshake once the queued frames are written.
  void close();
  /// Closes the socket now; pending operations end with an error.
  void abort();

  [[nodiscard]] bool is_open() const;

  /// Connections of this process that have started connecting and not yet ended.
  [[nodiscard]] static std::size_t live();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace messenger::bench
