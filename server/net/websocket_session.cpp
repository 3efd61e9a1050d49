#include "websocket_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "connection.h"
#include "frame_queue.h"
#include "io_courier.h"
#include "messenger/protocol/codec.h"
#include "metrics.h"
#include "service.h"
#include "shared_write_stream.h"
#include "token_bucket.h"
#include "ws_frame.h"

namespace messenger::net {
namespace {

using protocol::CloseCode;
using service::Frame;

// Enough for every frame of a typical group commit in one write; small enough that a long queue
// is not duplicated into one buffer.
constexpr std::size_t kMaxBurstBytes = 256 * 1024;

// What a read of a fragmented message asks for at least; a final frame's read asks for exactly
// the bytes its header announced.
constexpr std::size_t kMinPayloadRead = 512;

constexpr std::string_view kBinaryNotSupported =
    R"({"type":"error","id":null,"code":"bad_request",)"
    R"("message":"binary frames are not supported; send JSON text frames"})";

/// One WebSocket connection. Every member is touched only on the connection's strand (the
/// stream's executor); send() and close() come from the service (its release pipeline) and post to
/// it.
///
/// The session ends when its read loop ends (peer close, error, timeout, or our own close
/// completing); that is the one place that tells the Service (disconnect, exactly once).
template <typename Stream>
class WebsocketSession final : public NetConnection,
                               public Stoppable,
                               public std::enable_shared_from_this<WebsocketSession<Stream>> {
 public:
  WebsocketSession(Stream&& stream, SessionContext& context, std::int64_t id,
                   std::string log_context, std::string remote_address)
      : ws_(std::move(stream)),
        context_(context),
        id_(id),
        log_(std::move(log_context)),
        remote_(std::move(remote_address)),
        bucket_(context.config.requests_per_second, context.config.request_burst,
                std::chrono::steady_clock::now()) {}

  void run(const HttpRequest& request) {
    const NetConfig& config = context_.config;
    ws_.set_option(
        websocket::stream_base::timeout{config.handshake_timeout, config.idle_timeout, true});
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::server, kServerHeader);
    }));
    ws_.read_message_max(config.limits.max_frame_bytes);
    if (!context_.registry.add(id_, this->weak_from_this(), this)) {
      close_after_accept_ = true;
    }
    ws_.async_accept(
        request, beast::bind_front_handler(&WebsocketSession::on_accept, this->shared_from_this()));
  }

  // ---- service::Connection, from the service (one thread at a time) ----

  void send(Frame frame) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame)]() {
      self->guard([&] { self->enqueue(frame); });
    });
  }

  void send_all(std::vector<Frame> frames) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), frames = std::move(frames)]() {
      self->guard([&] {
        for (const auto& frame : frames) self->push(frame);
        self->write_queued();  // the whole batch leaves in one write
      });
    });
  }

  service::Courier* courier() override { return context_.courier; }

  // ---- NetConnection, from an IO thread ----

  void take(std::shared_ptr<DeliveryBatch> batch, std::size_t begin, std::size_t end) override {
    asio::dispatch(ws_.get_executor(),
                   [self = this->shared_from_this(), batch = std::move(batch), begin, end]() {
                     self->guard([&] {
                       for (std::size_t i = begin; i < end; ++i) {
                         service::Delivery& delivery = (*batch)[i];
                         if (delivery.frame) {
                           self->push(std::move(delivery.frame));
                         } else {
                           self->write_queued();  // what was queued before the close leaves first
                           self->begin_close(delivery.close_code, delivery.close_reason);
                         }
                       }
                       self->write_queued();  // the whole part leaves in one write
                     });
                   });
  }

  void close(CloseCode code, std::string_view reason) override {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), code, reason = std::string(reason)]() {
                 self->guard([&] { self->begin_close(code, reason); });
               });
  }

  // ---- Stoppable, from the thread that stops the server ----

  void shutdown() override { close(CloseCode::going_away, "server shutting down"); }

  void abort() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->hard_close(); });
  }

 private:
  template <typename F>
  void guard(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      spdlog::error("ws.exception {} what=\"{}\"", log_, e.what());
      hard_close();
    }
  }

  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("ws.accept_failed {} error=\"{}\"", log_, ec.message());
      ended_ = true;
      context_.registry.remove(id_, this);
      return;
    }
    open_ = true;
    ++context_.metrics.connections_open;
    ++context_.metrics.connections_total;
    spdlog::info("ws.open {}", log_);
    if (close_after_accept_) {
      begin_close(CloseCode::going_away, "server shutting down");
    } else {
      connected_ = true;
      context_.service.connect(core::ConnectionId{id_}, this->shared_from_this(), remote_);
      watch_idle();
    }
    do_read();
  }

  // ---- idle connections ----
  //
  // A connection silent for half of idle_timeout gets a ping; one still silent half a timeout
  // after that ping is closed (docs/protocol.md). Beast can do this itself, but it re-arms its
  // timer at the start of every read operation, two per message: a cancel, a new wait and the
  // cancelled wait's completion each time, ~4,400 instructions per message on the IO thread
  // (callgrind, 1:1 chat), 16% of it. Here the session notes when it last heard from the peer
  // (a time it reads anyway for the rate limit) and one timer per connection fires only when
  // that time says a ping or the close may be due.

  void watch_idle() {
    // Beast keeps the handshake timeout, which also bounds its close handshake.
    ws_.set_option(websocket::stream_base::timeout{context_.config.handshake_timeout,
                                                   websocket::stream_base::none(), false});
    // Pings, pongs and close frames from the peer are heard too (Beast answers them itself).
    // `this` stays valid: Beast calls this only inside a read, which holds the session.
    ws_.control_callback([this](websocket::frame_type /*kind*/, beast::string_view /*payload*/) {
      heard_ = std::chrono::steady_clock::now();
    });
    heard_ = std::chrono::steady_clock::now();
    idle_timer_ = std::make_unique<ConnectionTimer>(ws_.get_executor());
    arm_idle_timer(heard_ + half_idle());
  }

  [[nodiscard]] std::chrono::steady_clock::duration half_idle() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               context_.config.idle_timeout) /
           2;
  }

  void arm_idle_timer(std::chrono::steady_clock::time_point at) {
    idle_timer_->expires_at(at);
    idle_timer_->async_wait(
        beast::bind_front_handler(&WebsocketSession::on_idle_timer, this->shared_from_this()));
  }

  void on_idle_timer(beast::error_code ec) {
    // Once closing, Beast's close handshake (and its timeout) takes over.
    if (ec || ended_ || close_requested_ || !ws_.is_open()) return;
    guard([&] {
      const auto now = std::chrono::steady_clock::now();
      if (idle_pinged_ && heard_ < idle_ping_at_) {
        if (now < idle_ping_at_ + half_idle()) {
          arm_idle_timer(idle_ping_at_ + half_idle());
          return;
        }
        spdlog::debug("ws.idle_timeout {}", log_);
        timed_out_ = true;
        hard_close();
        return;
      }
      idle_pinged_ = false;
      if (now < heard_ + half_idle()) {
        arm_idle_timer(heard_ + half_idle());
        return;
      }
      idle_pinged_ = true;
      idle_ping_at_ = now;
      if (!idle_ping_in_flight_) {  // Beast takes one ping at a time
        idle_ping_in_flight_ = true;
        ws_.async_ping({}, [self = this->shared_from_this()](beast::error_code /*ec*/) {
          self->idle_ping_in_flight_ = false;  // a failed write ends the read loop anyway
        });
      }
      arm_idle_timer(now + half_idle());
    });
  }

  // An idle connection holds no message buffer. A read of zero bytes waits for the next message
  // to begin: Beast reads its frame header (and any control frames before it) into the stream's
  // own fixed buffer. Only then does read_buffer_ get memory, sized to the payload, and it is
  // released once the message is handled. (Reading with the buffer directly would make Beast
  // reserve 1.5 KiB in it for as long as the connection is idle, i.e. for most of its life.)
  void do_read() {
    // Not a null pointer: Beast's UTF-8 check does arithmetic on it even for zero bytes.
    ws_.async_read_some(
        asio::mutable_buffer(&no_bytes_, 0),
        beast::bind_front_handler(&WebsocketSession::on_message_begun, this->shared_from_this()));
  }

  void on_message_begun(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      end(ec);
      return;
    }
    read_payload();
  }

  // Reads the rest of the message into read_buffer_, sized by what its frame header announced.
  // Not ws_.async_read: between two of its reads Beast's close handshake may drain the message's
  // remaining bytes, after which its size hint asserts (Boost 1.74); here the hint is asked for
  // only while the stream is open.
  void read_payload() {
    if (ws_.is_message_done()) {
      on_read({}, 0);
      return;
    }
    if (!ws_.is_open()) {  // closing: this read ends with operation_aborted once the close did
      do_read();
      return;
    }
    ws_.async_read_some(
        read_buffer_.prepare(ws_.read_size_hint(kMinPayloadRead)),
        beast::bind_front_handler(&WebsocketSession::on_payload, this->shared_from_this()));
  }

  void on_payload(beast::error_code ec, std::size_t bytes) {
    if (ec) {
      end(ec);
      return;
    }
    read_buffer_.commit(bytes);
    // A message that arrives over a long time keeps its connection from being idle; the common
    // whole message is heard in on_read.
    if (!ws_.is_message_done()) heard_ = std::chrono::steady_clock::now();
    read_payload();
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      end(ec);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    heard_ = now;
    guard([&] { handle_message(now); });
    read_buffer_.clear();
    read_buffer_.shrink_to_fit();
    do_read();
  }

  void handle_message(std::chrono::steady_clock::time_point now) {
    if (close_requested_) {
      return;  // closing: the Service no longer hears from this connection
    }
    if (!ws_.got_text()) {
      static const Frame kBinaryReply = service::make_frame(std::string(kBinaryNotSupported));
      enqueue(kBinaryReply);
      return;
    }
    const auto data = read_buffer_.cdata();
    const std::string_view text(static_cast<const char*>(data.data()), data.size());

    service::Metrics& metrics = context_.metrics;
    ++metrics.requests_total;
    protocol::ParsedRequest parsed = protocol::parse_request(text, context_.config.limits);
    if (!bucket_.try_take(now)) {
      ++metrics.rate_limited_total;
      spdlog::debug("ws.rate_limited {}", log_);
      enqueue(service::make_frame(protocol::encode_error(
          parsed.id, core::Error{core::Errc::rate_limited, "too many requests; slow down"})));
      return;
    }
    if (!parsed.body.ok()) {
      ++metrics.request_errors_total;
      enqueue(service::make_frame(protocol::encode_error(parsed.id, parsed.body.error())));
      return;
    }
    context_.service.request(
        core::ConnectionId{id_},
        protocol::Request{std::move(parsed.id), std::move(parsed.body).value()}, now);
  }

  void enqueue(const Frame& frame) {
    push(frame);
    write_queued();
  }

  void write_queued() {
    if (!writing_ && !queue_.empty()) do_write();
  }

  /// Queues a frame without starting a write; write_queued() sends what is queued.
  void push(Frame frame) {
    if (!open_ || close_requested_ || ended_ || !frame) {
      return;
    }
    const NetConfig& config = context_.config;
    // A single frame larger than the byte bound is still sent when nothing else is waiting.
    if (!queue_.empty() && (queued_bytes_ + frame->size() > config.send_queue_max_bytes ||
                            queue_.size() + 1 > config.send_queue_max_frames)) {
      too_slow();
      return;
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
  }

  void too_slow() {
    ++context_.metrics.connections_closed_slow;
    spdlog::warn("ws.too_slow {} queued_frames={} queued_bytes={}", log_, queue_.size(),
                 queued_bytes_);
    queue_.clear();
    queued_bytes_ = 0;
    begin_close(CloseCode::too_slow, "send queue over its bound");
  }

  void do_write() {
    // Beast would write each message with its own write operation and sendmsg; the frames are
    // encoded here instead and everything queued leaves in one write through the shared layer,
    // which keeps Beast's own control frames (pong, ping, close) whole and in order beside it.
    if (!ws_.is_open()) {  // Beast began or finished a close: no data frame may follow it
      queue_.clear();
      queued_bytes_ = 0;
      return;
    }
    writing_ = true;
    // One frame, the common case (a reply, or one event to each member of a fan-out): its
    // header and the shared payload leave in one gather write, nothing copied or allocated (the
    // header fits in burst_'s inline storage).
    if (queue_.size() == 1) {
      lone_frame_ = queue_.front();
      queued_bytes_ -= lone_frame_->size();
      queue_.pop_front();
      const TextFrameHeader header = text_frame_header(lone_frame_->size());
      burst_.assign(header.bytes.data(), header.size);
      const std::array<asio::const_buffer, 2> buffers{asio::buffer(burst_),
                                                      asio::buffer(*lone_frame_)};
      ws_.next_layer().async_write_burst(
          buffers,
          beast::bind_front_handler(&WebsocketSession::on_write, this->shared_from_this()));
      return;
    }
    // At least one frame, then frames while the burst stays under its bound, so that a long
    // queue is not copied whole (the queue's own bound is what limits a slow reader).
    std::size_t count = 0;
    std::size_t size = 0;
    for (; count < queue_.size(); ++count) {
      const Frame& frame = queue_[count];
      if (count > 0 && size + text_frame_size(frame->size()) > kMaxBurstBytes) break;
      size += text_frame_size(frame->size());
    }
    burst_.reserve(size);
    for (std::size_t i = 0; i < count; ++i) {
      append_text_frame(burst_, *queue_.front());
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
    ws_.next_layer().async_write_burst(
        asio::buffer(burst_),
        beast::bind_front_handler(&WebsocketSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    lone_frame_.reset();
    std::string().swap(burst_);  // an idle connection keeps no burst buffer
    if (ec) {
      spdlog::debug("ws.write_failed {} error=\"{}\"", log_, ec.message());
      hard_close();
      return;
    }
    guard([&] {
      if (!queue_.empty()) {
        do_write();
        return;
      }
      if (close_requested_ && !close_started_) start_close();
    });
  }

  /// Stops taking frames, flushes what is queued, then sends the close frame. If the close
  /// handshake has not completed within slow_close_grace the TCP connection is cut.
  void begin_close(CloseCode code, std::string_view reason) {
    if (!open_) {
      close_after_accept_ = true;
      return;
    }
    if (close_requested_ || ended_) {
      return;
    }
    close_requested_ = true;
    close_code_ = static_cast<std::uint16_t>(code);
    close_text_ = std::string(reason);
    grace_timer_ = std::make_unique<ConnectionTimer>(ws_.get_executor());
    grace_timer_->expires_after(context_.config.slow_close_grace);
    grace_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) {
        spdlog::info("ws.close_timeout {}", self->log_);
        self->hard_close();
      }
    });
    if (!writing_) {
      start_close();
    }
  }

  void start_close() {
    close_started_ = true;
    // Beast writes the close frame when the operation starts, so the session keeps only the
    // code and text (a websocket::close_reason member holds a 123-byte buffer for its life).
    ws_.async_close(
        websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_text_),
        [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) {
            spdlog::debug("ws.close_failed {} error=\"{}\"", self->log_, ec.message());
            self->hard_close();
          }
        });
  }

  void hard_close() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  void end(beast::error_code ec) {
    if (ended_) {
      return;
    }
    ended_ = true;
    if (close_started_ &&
        (ec == websocket::error::closed || ec == asio::error::operation_aborted)) {
      spdlog::info("ws.closed {} by=server code={}", log_, close_code_);
    } else if (ec == websocket::error::closed) {
      spdlog::info("ws.closed {} by=client code={}", log_, ws_.reason().code);
    } else if (timed_out_) {
      spdlog::info("ws.closed {} error=\"{}\"", log_,
                   beast::error_code(beast::error::timeout).message());
    } else {
      spdlog::info("ws.closed {} error=\"{}\"", log_, ec.message());
    }
    if (grace_timer_) grace_timer_->cancel();
    if (idle_timer_) idle_timer_->cancel();
    queue_.clear();
    queued_bytes_ = 0;
    if (connected_) {
      connected_ = false;
      context_.service.disconnect(core::ConnectionId{id_});
    }
    --context_.metrics.connections_open;
    hard_close();
    context_.registry.remove(id_, this);
  }

  // Without permessage-deflate support (it is never negotiated): its options and state would be
  // carried by every connection's stream for nothing.
  websocket::stream<SharedWriteStream<Stream>, false> ws_;
  SessionContext& context_;
  const std::int64_t id_;
  const std::string log_;     // "conn=7 remote=10.0.0.5:51234", prefix of every log line
  const std::string remote_;  // address only, for per-address throttling in the Service
  // Made by begin_close (at most once): a timer with its executor is ~130 bytes that an open
  // connection does not need.
  std::unique_ptr<ConnectionTimer> grace_timer_;
  // Idle watch (watch_idle): made once the WebSocket is open.
  std::unique_ptr<ConnectionTimer> idle_timer_;
  std::chrono::steady_clock::time_point heard_;         // last bytes from the peer, roughly
  std::chrono::steady_clock::time_point idle_ping_at_;  // when the last idle ping was sent
  bool idle_pinged_ = false;  // a ping went out and nothing was heard since
  bool idle_ping_in_flight_ = false;
  bool timed_out_ = false;  // closed by the idle watch
  TokenBucket bucket_;
  beast::flat_buffer read_buffer_;  // the payload of the message being read; empty when idle
  char no_bytes_ = 0;               // where the zero-byte read that awaits a message points

  FrameQueue<Frame> queue_;  // waiting frames, not counting those being written
  std::size_t queued_bytes_ = 0;
  // The one write in flight: its frames encoded, or when it carries one frame alone, that
  // frame's header here and its payload in lone_frame_.
  std::string burst_;
  Frame lone_frame_;
  bool writing_ = false;  // a write of burst_ (and lone_frame_) is in flight

  std::uint16_t close_code_ = 0;  // what begin_close was asked to send
  std::string close_text_;
  bool open_ = false;                // the upgrade completed
  bool close_after_accept_ = false;  // the server began stopping before the upgrade completed
  bool connected_ = false;           // the Service knows this connection
  bool close_requested_ = false;     // no more frames are accepted
  bool close_started_ = false;       // async_close was called
  bool ended_ = false;
};

}  // namespace

template <typename Stream>
void run_websocket_session(Stream stream, HttpRequest request, SessionContext& context,
                           std::int64_t connection_id, std::string log_context,
                           std::string remote_address) {
  auto session = std::make_shared<WebsocketSession<Stream>>(
      std::move(stream), context, connection_id, std::move(log_context), std::move(remote_address));
  session->run(request);
}

template void run_websocket_session<PlainStream>(PlainStream, HttpRequest, SessionContext&,
                                                 std::int64_t, std::string, std::string);
template void run_websocket_session<TlsStream>(TlsStream, HttpRequest, SessionContext&,
                                               std::int64_t, std::string, std::string);

}  // namespace messenger::net
