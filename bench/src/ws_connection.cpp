// The only translation unit of messenger-bench that includes Beast (~40 s to compile).

#include "ws_connection.h"

#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <deque>
#include <vector>

namespace messenger::bench {
namespace {
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

std::atomic<std::size_t> live_connections{0};
}  // namespace

bool parse_ws_url(std::string_view url, Target& target, std::string& error) {
  constexpr std::string_view kScheme = "ws://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    error = "the URL must start with ws:// (wss:// is not supported by the generator yet)";
    return false;
  }
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  target.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    error = "the URL needs a port";
    return false;
  }
  std::string_view host = authority.substr(0, colon);
  const std::string_view port_text = authority.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    error = "invalid port in the URL";
    return false;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code address_error;
  const auto address = asio::ip::make_address(std::string(host), address_error);
  if (address_error) {
    error = "the host must be a numeric IP address, e.g. 127.0.0.1";
    return false;
  }
  target.endpoint = tcp::endpoint(address, static_cast<unsigned short>(port));
  target.host = std::string(authority);
  return true;
}

struct WsConnection::Impl : std::enable_shared_from_this<WsConnection::Impl> {
  Impl(asio::any_io_executor executor, WsHandler& h) : ws(std::move(executor)), handler(&h) {}

  void start_connect(const Target& target) {
    host = target.host;
    path = target.path;
    counted = true;
    live_connections.fetch_add(1, std::memory_order_relaxed);
    ws.next_layer().async_connect(
        target.endpoint,
        [self = shared_from_this()](boost::system::error_code ec) { self->on_connect(ec); });
  }

  void on_connect(boost::system::error_code ec) {
    if (ec) return finish("connect: " + ec.message());
    ws.next_layer().set_option(tcp::no_delay(true), ec);
    ws.auto_fragment(false);
    // Frame masks from a fast generator instead of the default secure one: the mask only has to
    // vary (RFC 6455 5.3) and the server is our own, while the secure generator cost the
    // generator CPU on every frame it sends.
    ws.secure_prng(false);
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "messenger-bench");
    }));
    ws.async_handshake(host, path, [self = shared_from_this()](boost::system::error_code error) {
      self->on_handshake(error);
    });
  }

  void on_handshake(boost::system::error_code ec) {
    if (ec) return finish("handshake: " + ec.message());
    open = true;
    do_read();
    if (handler != nullptr) handler->on_open();
  }

  void do_read() {
    ws.async_read(buffer, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(boost::system::error_code ec) {
    if (ec) {
      if (ec == websocket::error::closed) {
        if (close_sent) return finish("closed");
        const auto& reason = ws.reason();
        return finish("closed by the server: " + std::to_string(reason.code) +
                      (reason.reason.empty() ? std::string() : " " + std::string(reason.reason)));
      }
      return finish("read: " + ec.message());
    }
    if (ws.got_text() && handler != nullptr) {
      const auto data = buffer.cdata();
      handler->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    buffer.consume(buffer.size());
    if (!done) do_read();
  }

  void write_next() {
    if (writing || queue.empty() || done) return;
    writing = true;
    ws.async_write(asio::buffer(queue.front()),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->on_write(ec);
                   });
  }

  void on_write(boost::system::error_code ec) {
    writing = false;
    std::string written = std::move(queue.front());
    queue.pop_front();
    written.clear();
    spare.push_back(std::move(written));
    if (ec) return finish("write: " + ec.message());
    if (closing && queue.empty()) return start_close();
    write_next();
  }

  void start_close() {
    if (close_sent || done || !open) return;
    close_sent = true;
    ws.async_close(websocket::close_code::normal,
                   [self = shared_from_this()](boost::system::error_code ec) {
                     // The pending read ends with websocket::error::closed and reports it.
                     if (ec) self->finish("close: " + ec.message());
                   });
  }

  void finish(std::string reason) {
    if (done) return;
    done = true;
    open = false;
    if (counted) live_connections.fetch_sub(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    ws.next_layer().close(ignored);
    if (handler != nullptr) handler->on_closed(reason);
  }

  websocket::stream<tcp::socket> ws;
  WsHandler* handler;
  beast::flat_buffer buffer;
  std::deque<std::string> queue;
  std::vector<std::string> spare;
  std::string host;
  std::string path;
  bool open = false;
  bool writing = false;
  bool closing = false;
  bool close_sent = false;
  bool done = false;
  bool counted = false;
};

WsConnection::WsConnection(asio::any_io_executor executor, WsHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), handler)) {}

WsConnection::~WsConnection() {
  // Handlers still queued keep the Impl alive; they must not call back into a dead owner.
  impl_->handler = nullptr;
  impl_->finish("destroyed");
}

void WsConnection::connect(const Target& target) {
  impl_->start_connect(target);
}

std::string WsConnection::take_buffer() {
  if (impl_->spare.empty()) return {};
  std::string buffer = std::move(impl_->spare.back());
  impl_->spare.pop_back();
  return buffer;
}

void WsConnection::send(std::string frame) {
  if (impl_->done || impl_->closing) return;
  impl_->queue.push_back(std::move(frame));
  impl_->write_next();
}

std::size_t WsConnection::queued() const {
  return impl_->queue.size();
}

void WsConnection::close() {
  if (impl_->done || impl_->closing) return;
  impl_->closing = true;
  if (!impl_->open) return impl_->finish("closed before the handshake");
  if (!impl_->writing) impl_->start_close();
}

void WsConnection::abort() {
  if (impl_->done) return;
  impl_->finish("aborted");
}

bool WsConnection::is_open() const {
  return impl_->open && !impl_->done;
}

std::size_t WsConnection::live() {
  return live_connections.load(std::memory_order_relaxed);
}

}  // namespace messenger::bench
