#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "asio.h"
#include "session_context.h"

namespace messenger::net {

/// Accepts TCP connections and gives each its own strand, a connection id and an HTTP session.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  /// `acceptor` is open, bound and listening; its executor is a strand.
  Listener(asio::io_context& io, tcp::acceptor acceptor, SessionContext& context,
           std::atomic<std::int64_t>& next_connection_id);

  void run();
  /// Closes the listening socket; waits (bounded) until that has happened on the strand.
  void stop();

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, ConnectionSocket socket);

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  tcp::endpoint peer_;  // filled by the accept in flight (no getpeername per connection)
  asio::steady_timer retry_timer_;
  SessionContext& context_;
  std::atomic<std::int64_t>& next_connection_id_;
};

}  // namespace messenger::net
