// The only translation unit of messenger-bench that includes Beast (~40 s to compile).

#include "ws_connection.h"

#include <algorithm>
#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "ws_framing.h"

namespace messenger::bench {
namespace {
namespace beast = boost::beast;
namespace http = boost::beast::http;
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

/// One connection. The upgrade is Beast's HTTP on the socket; then frames go through
/// ws_framing.h straight on the socket (bench/README.md, Design). Writes append masked frames to
/// one string, written in one write when none is in flight.
struct WsConnection::Impl : std::enable_shared_from_this<WsConnection::Impl> {
  /// The upgrade's request and response, dropped once it is done.
  struct Upgrade {
    websocket::detail::sec_ws_key_type key;
    http::request<http::empty_body> request;
    http::response<http::string_body> response;
    beast::flat_buffer buffer;
  };

  Impl(asio::any_io_executor executor, WsHandler& h)
      : socket(std::move(executor)), handler(&h), mask_state(mask_seed(this)) {}

  void start_connect(const Target& target) {
    host = target.host;
    path = target.path;
    counted = true;
    live_connections.fetch_add(1, std::memory_order_relaxed);
    socket.async_connect(
        target.endpoint,
        [self = shared_from_this()](boost::system::error_code ec) { self->on_connect(ec); });
  }

  void on_connect(boost::system::error_code ec) {
    if (done) return;
    if (ec) return finish("connect: " + ec.message());
    socket.set_option(tcp::no_delay(true), ec);
    upgrade = std::make_unique<Upgrade>();
    // Beast's own key and accept functions (RFC 6455 4.1): the handshake is its code, only
    // the bytes after it are read here.
    websocket::detail::make_sec_ws_key(upgrade->key);
    auto& request = upgrade->request;
    request.method(http::verb::get);
    request.target(path);
    request.version(11);
    request.set(http::field::host, host);
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::sec_websocket_key, upgrade->key);
    request.set(http::field::sec_websocket_version, "13");
    request.set(http::field::user_agent, "messenger-bench");
    http::async_write(socket, request,
                      [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                        self->on_request_written(error);
                      });
  }

  void on_request_written(boost::system::error_code ec) {
    if (done) return;
    if (ec) return finish("handshake: " + ec.message());
    http::async_read(socket, upgrade->buffer, upgrade->response,
                     [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                       self->on_response(error);
                     });
  }

  void on_response(boost::system::error_code ec) {
    if (done) return;
    if (ec) return finish("handshake: " + ec.message());
    if (std::string problem = upgrade_problem(); !problem.empty()) {
      return finish("handshake: " + problem);
    }
    // What the server sent right after its response (a close, when it is shutting down) is
    // the start of the frames.
    const auto leftover = upgrade->buffer.cdata();
    reader.append({static_cast<const char*>(leftover.data()), leftover.size()});
    upgrade.reset();
    open = true;
    if (handler != nullptr) handler->on_open();
    take_frames();
    if (!done) do_read();
  }

  /// Why the response does not accept the upgrade (RFC 6455 4.1), or empty.
  std::string upgrade_problem() const {
    const auto& response = upgrade->response;
    if (response.result() != http::status::switching_protocols) {
      return "the server answered " + std::to_string(response.result_int()) + " " +
             std::string(response.reason());
    }
    if (!beast::iequals(response[http::field::upgrade], "websocket") ||
        !http::token_list{response[http::field::connection]}.exists("upgrade")) {
      return "the response does not upgrade to websocket";
    }
    websocket::detail::sec_ws_accept_type accept;
    websocket::detail::make_sec_ws_accept(accept, upgrade->key);
    if (response[http::field::sec_websocket_accept] != std::string_view(accept)) {
      return "wrong Sec-WebSocket-Accept";
    }
    return {};
  }

  void do_read() {
    const std::span<char> room = reader.room();
    socket.async_read_some(
        asio::buffer(room.data(), room.size()),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t bytes) {
          self->on_read(ec, bytes);
        });
  }

  void on_read(boost::system::error_code ec, std::size_t bytes) {
    if (done) return;
    if (ec) {
      // After a close frame came, however the TCP connection then ends, the frame says why.
      if (close_received) return finish(closed_reason);
      if (ec == asio::error::eof && close_sent) return finish("closed");
      return finish("read: " + ec.message());
    }
    reader.commit(bytes);
    take_frames();
    if (!done) do_read();
  }

  void take_frames() {
    if (close_received) return reader.discard();  // nothing may follow a close frame
    while (!done) {
      ws::ReadEvent event = reader.next();
      switch (event.kind) {
        case ws::ReadKind::need_more:
          return;
        case ws::ReadKind::error:
          return finish("protocol error: " + event.error);
        case ws::ReadKind::message:
          if (event.is_text && handler != nullptr) handler->on_text(event.payload);
          break;
        case ws::ReadKind::ping:
          if (!close_sent) queue_frame(ws::Opcode::pong, event.payload);
          break;
        case ws::ReadKind::pong:
          break;
        case ws::ReadKind::close:
          return on_close_frame(event.payload);
      }
    }
  }

  void on_close_frame(std::string_view payload) {
    close_received = true;
    if (close_sent) {
      closed_reason = "closed";  // the answer to ours
    } else {
      closed_reason = "closed by the server: " + ws::describe_close(payload);
      // Answered with its status code; the server then ends the TCP connection.
      close_sent = true;
      queue_frame(ws::Opcode::close, payload.substr(0, std::min<std::size_t>(payload.size(), 2)));
    }
    reader.discard();
    wait_for_end_of_stream();
  }

  /// RFC 6455 7.1.1 lets the client end the TCP connection itself when the server does not, "in
  /// a reasonable time": without this, a server that never ends it would hold the run (setup
  /// closes its clients with nothing to abort them).
  void wait_for_end_of_stream() {
    if (close_timer) return;
    close_timer = std::make_unique<asio::steady_timer>(socket.get_executor(), kCloseTimeout);
    close_timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;  // cancelled: the connection ended
      self->finish(self->close_received ? self->closed_reason
                                        : "closed (the server did not answer our close)");
    });
  }

  void queue_frame(ws::Opcode opcode, std::string_view payload) {
    ws::append_client_frame(out, opcode, payload, next_mask());
    write_next();
  }

  void write_next() {
    if (writing || out.empty() || done) return;
    writing = true;
    in_flight.swap(out);
    out.clear();
    asio::async_write(socket, asio::buffer(in_flight),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(boost::system::error_code ec) {
    writing = false;
    in_flight.clear();
    if (ec) return finish(close_received ? closed_reason : "write: " + ec.message());
    if (closing && out.empty() && !close_sent) return start_close();
    write_next();
  }

  void start_close() {
    if (close_sent || done || !open) return;
    close_sent = true;
    // The read still running ends with the server's close frame, then its end of stream.
    queue_frame(ws::Opcode::close, ws::close_payload(kNormalClosure));
    wait_for_end_of_stream();
  }

  std::uint32_t next_mask() {
    // xorshift32: the mask only has to vary (RFC 6455 5.3), and the server is our own.
    mask_state ^= mask_state << 13U;
    mask_state ^= mask_state >> 17U;
    mask_state ^= mask_state << 5U;
    return mask_state;
  }

  /// A different start per connection (its address, mixed), never zero: xorshift's fixed point.
  static std::uint32_t mask_seed(const void* connection) {
    const auto address = reinterpret_cast<std::uintptr_t>(connection);
    return static_cast<std::uint32_t>((address >> 4U) * 2654435761U) | 1U;
  }

  void finish(std::string reason) {
    if (done) return;
    done = true;
    open = false;
    if (counted) live_connections.fetch_sub(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    socket.close(ignored);
    if (close_timer) close_timer->cancel();
    if (handler != nullptr) handler->on_closed(reason);
  }

  static constexpr std::uint16_t kNormalClosure = 1000;
  static constexpr std::chrono::seconds kCloseTimeout{5};

  tcp::socket socket;
  std::unique_ptr<Upgrade> upgrade;                 // while the upgrade runs
  std::unique_ptr<asio::steady_timer> close_timer;  // from the first close frame on
  WsHandler* handler;
  ws::FrameReader reader;
  std::string out;        // frames for the next write
  std::string in_flight;  // the write in progress
  std::string spare;      // the last sent frame's text, handed out again by take_buffer
  std::uint32_t mask_state;
  std::string host;
  std::string path;
  std::string closed_reason;  // once a close frame came
  bool open = false;
  bool writing = false;
  bool closing = false;
  bool close_sent = false;
  bool close_received = false;
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
  std::string buffer = std::move(impl_->spare);
  buffer.clear();
  return buffer;
}

void WsConnection::send(std::string frame) {
  if (impl_->done || impl_->closing || impl_->close_sent) return;
  impl_->queue_frame(ws::Opcode::text, frame);
  impl_->spare = std::move(frame);
}

void WsConnection::close() {
  if (impl_->done || impl_->closing) return;
  impl_->closing = true;
  if (!impl_->open) return impl_->finish("closed before the handshake");
  if (!impl_->writing && impl_->out.empty()) impl_->start_close();
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
