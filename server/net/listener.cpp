#include "listener.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace messenger::net {

Listener::Listener(asio::io_context& io, tcp::acceptor acceptor, SessionContext& context,
                   std::atomic<std::int64_t>& next_connection_id)
    : io_(io),
      acceptor_(std::move(acceptor)),
      retry_timer_(acceptor_.get_executor()),
      context_(context),
      next_connection_id_(next_connection_id) {}

void Listener::run() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void Listener::stop() {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> closed = done->get_future();
  asio::post(acceptor_.get_executor(), [self = shared_from_this(), done] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
    done->set_value();
  });
  // Bounded: if the io threads are not running the post never runs, and closing is moot.
  closed.wait_for(std::chrono::seconds(2));
}

void Listener::do_accept() {
  if (!acceptor_.is_open()) {
    return;
  }
  acceptor_.async_accept(
      asio::make_strand(io_), peer_,
      [self = shared_from_this()](boost::system::error_code ec, ConnectionSocket socket) {
        self->on_accept(ec, std::move(socket));
      });
}

void Listener::on_accept(boost::system::error_code ec, ConnectionSocket socket) {
  if (!acceptor_.is_open() || ec == asio::error::operation_aborted) {
    return;
  }
  if (ec) {
    // E.g. out of file descriptors: wait a little instead of spinning on the error.
    spdlog::warn("tcp.accept_failed error=\"{}\"", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code timer_ec) {
      if (!timer_ec) {
        self->do_accept();
      }
    });
    return;
  }
  // Replies often follow an event on the same socket; without this the client's delayed ACK
  // holds them back for ~40 ms (measured with messenger-bench).
  boost::system::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  const std::int64_t id = ++next_connection_id_;
  try {
    start_http_session(std::move(socket), peer_, context_, id);
  } catch (const std::exception& e) {
    spdlog::error("tcp.session_failed conn={} what=\"{}\"", id, e.what());
  }
  do_accept();
}

}  // namespace messenger::net
