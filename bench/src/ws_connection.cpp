// The only translation unit of messenger-bench that includes Beast (~40 s to compile).

#include "ws_connection.h"

#include <algorithm>
#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>

#include "ws_framing.h"

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

/// One connection: Beast does the handshake, then the frames go through ws_framing.h straight
/// on the socket. Reads take whatever the socket holds (often several frames) into one buffer
/// and hand each text frame to the handler as a view into it; writes append masked frames to
/// one string, written in one write when none is in flight.
struct WsConnection::Impl : std::enable_shared_from_this<WsConnection::Impl> {
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
    if (ec) return finish("connect: " + ec.message());
    socket.set_option(tcp::no_delay(true), ec);
    handshake.emplace(socket);
    handshake->set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "messenger-bench");
    }));
    handshake->async_handshake(host, path,
                               [self = shared_from_this()](boost::system::error_code error) {
                                 self->on_handshake(error);
                               });
  }

  void on_handshake(boost::system::error_code ec) {
    // The server speaks only after the client's hello, so Beast holds no bytes past the
    // handshake's response: from here on the socket is read directly. Beast's stream goes once
    // its operation has finished unwinding.
    asio::post(socket.get_executor(), [self = shared_from_this()] { self->handshake.reset(); });
    if (ec) return finish("handshake: " + ec.message());
    if (done) return;
    open = true;
    in.resize(kReadBufferBytes);
    do_read();
    if (handler != nullptr) handler->on_open();
  }

  void do_read() {
    if (in_begin == in_end) in_begin = in_end = 0;
    if (in_end == in.size()) make_room(in.size() + 1);
    socket.async_read_some(
        asio::buffer(in.data() + in_end, in.size() - in_end),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t bytes) {
          self->on_read(ec, bytes);
        });
  }

  void on_read(boost::system::error_code ec, std::size_t bytes) {
    if (ec) {
      if (ec == asio::error::eof && close_sent) return finish("closed");
      return finish("read: " + ec.message());
    }
    in_end += bytes;
    take_frames();
    if (!done && !close_received) do_read();
  }

  /// Handles every whole frame in the buffer; leaves a partial one for the next read, with room
  /// for all of it.
  void take_frames() {
    while (!done && !close_received) {
      const std::string_view held(in.data() + in_begin, in_end - in_begin);
      ws::FrameHeader header;
      std::string error;
      switch (ws::read_server_header(held, header, error)) {
        case ws::HeaderStatus::incomplete:
          return;
        case ws::HeaderStatus::invalid:
          return finish("protocol error: " + error);
        case ws::HeaderStatus::complete:
          break;
      }
      if (header.payload_bytes > kMaxMessageBytes - message.size()) {
        return finish("a message of more than " + std::to_string(kMaxMessageBytes) +
                      " bytes from the server");
      }
      const std::size_t size = header.header_bytes + header.payload_bytes;
      if (held.size() < size) return make_room(size);
      in_begin += size;
      on_frame(header, held.substr(header.header_bytes, header.payload_bytes));
    }
  }

  /// Makes the buffer hold `size` bytes from the start of the unread ones.
  void make_room(std::size_t size) {
    if (in.size() - in_begin >= size) return;
    std::memmove(in.data(), in.data() + in_begin, in_end - in_begin);
    in_end -= in_begin;
    in_begin = 0;
    if (in.size() < size) in.resize(std::max(size, 2 * in.size()));
  }

  void on_frame(const ws::FrameHeader& header, std::string_view payload) {
    switch (header.opcode) {
      case ws::Opcode::text:
      case ws::Opcode::binary:
        if (in_message) return finish("protocol error: a new message inside a fragmented one");
        if (header.fin) return deliver(header.opcode == ws::Opcode::text, payload);
        in_message = true;
        message_is_text = header.opcode == ws::Opcode::text;
        message.assign(payload);
        return;
      case ws::Opcode::continuation:
        if (!in_message) return finish("protocol error: a continuation outside a message");
        message.append(payload);
        if (header.fin) {
          in_message = false;
          deliver(message_is_text, message);
          message.clear();
        }
        return;
      case ws::Opcode::ping:
        return queue_frame(ws::Opcode::pong, payload);
      case ws::Opcode::pong:
        return;
      case ws::Opcode::close:
        close_received = true;
        if (close_sent) return finish("closed");
        closed_reason = "closed by the server: " + ws::describe_close(payload);
        // Answer with its status code, then end once the answer is written.
        queue_frame(ws::Opcode::close, payload.substr(0, std::min<std::size_t>(payload.size(), 2)));
        close_sent = true;
        return;
    }
  }

  void deliver(bool is_text, std::string_view payload) {
    if (is_text && handler != nullptr) handler->on_text(payload);
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
    if (ec) return finish("write: " + ec.message());
    if (close_received && out.empty()) return finish(closed_reason);
    if (closing && out.empty()) return start_close();
    write_next();
  }

  void start_close() {
    if (close_sent || done || !open) return;
    close_sent = true;
    // The read still running ends with the server's close frame (or its end of stream).
    queue_frame(ws::Opcode::close, ws::close_payload(kNormalClosure));
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
    if (handler != nullptr) handler->on_closed(reason);
  }

  static constexpr std::size_t kReadBufferBytes = 4096;
  static constexpr std::size_t kMaxMessageBytes = std::size_t{64} << 20U;
  static constexpr std::uint16_t kNormalClosure = 1000;

  tcp::socket socket;
  std::optional<websocket::stream<tcp::socket&>> handshake;  // until the handshake ends
  WsHandler* handler;
  std::string in;  // bytes read; [in_begin, in_end) not yet handled
  std::size_t in_begin = 0;
  std::size_t in_end = 0;
  std::string message;  // a fragmented message being put together
  bool in_message = false;
  bool message_is_text = false;
  std::string out;        // frames for the next write
  std::string in_flight;  // the write in progress
  std::string spare;      // the last sent frame's text, handed out again by take_buffer
  std::uint32_t mask_state;
  std::string host;
  std::string path;
  std::string closed_reason;
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
