#pragma once

// Included only by websocket_session.cpp (it needs Beast; see beast.h).

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "beast.h"
#include "drained_read.h"

namespace messenger::net {

/// A stream layer under Beast's websocket stream that lets two writers share one connection:
/// Beast, for its control frames (pong, keep-alive ping, close), and the session, which encodes
/// its server-to-client text frames itself so that a whole burst of them leaves in one write
/// (one syscall, one TLS record run) instead of one Beast write operation and one sendmsg each.
///
/// Writes from the two never interleave: each async_write_some takes its whole buffer sequence
/// and completes only once those bytes were written to the next layer. A write that arrives while
/// another is in flight is joined with the others that arrive meanwhile into the next single
/// write, in arrival order. Beast keeps at most one write of its own outstanding and so does the
/// session, so what this layer holds is bounded by one burst and one control frame: a reader that
/// does not read holds up both writers, and the session's own send-queue bound applies as before.
///
/// Reads go straight to the next layer. Under a plain TCP stream (Beast's basic_stream, whose
/// timeouts are off once the WebSocket is open) reads and writes go to its socket, past the
/// stream's own operation; reads there wait for readiness after a read that emptied the socket
/// (DrainedRead, drained_read.h). Every member runs on the connection's strand.
template <typename Next>
class SharedWriteStream {
 public:
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;
  using FlushTimer =
      asio::basic_waitable_timer<std::chrono::steady_clock,
                                 asio::wait_traits<std::chrono::steady_clock>, executor_type>;

  explicit SharedWriteStream(Next&& next) : next_(std::move(next)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  // The result types are spelled out: Beast's stream concept checks instantiate only the
  // declarations (with archetype handlers), never the bodies.
  template <typename MutableBuffers, typename Handler>
  BOOST_BEAST_ASYNC_RESULT2(Handler)
  async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if constexpr (kOverSocket && kSkipsDrainedReads) {
      return next_.socket().async_read_some(DrainedRead<MutableBuffers>{buffers},
                                            std::forward<Handler>(handler));
    } else {
      return transport().async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename ConstBuffers, typename Handler>
  BOOST_BEAST_ASYNC_RESULT2(Handler)
  async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return asio::async_compose<Handler, void(beast::error_code, std::size_t)>(
        WriteOp<ConstBuffers>{*this, buffers}, handler, next_.get_executor());
  }

  /// The session's write of a burst of its own frames. With no write in flight (nearly always)
  /// the bytes go straight to the transport and `handler` runs once they were written: no
  /// composed operation and no wait on the flush timer in between. Otherwise they join the next
  /// write like any writer's. `buffers` must stay valid until `handler` runs.
  template <typename ConstBuffers, typename Handler>
  void async_write_burst(const ConstBuffers& buffers, Handler&& handler) {
    if (writing_ || error_) {
      asio::async_write(*this, buffers, std::forward<Handler>(handler));
      return;
    }
    ++started_;
    writing_ = true;
    // `this` stays valid: the handler holds its writer, the owner of this layer.
    asio::async_write(transport(), buffers,
                      [this, handler = std::forward<Handler>(handler)](beast::error_code ec,
                                                                       std::size_t bytes) mutable {
                        on_written(ec);
                        handler(ec, bytes);
                      });
  }

  /// Whether the write-wait timer exists now (it should only while a writer waits).
  [[nodiscard]] bool holds_flush_timer() const noexcept { return flushed_ != nullptr; }

 private:
  template <typename T>
  struct IsBasicStream : std::false_type {};
  template <typename Protocol, typename Executor, typename RatePolicy>
  struct IsBasicStream<beast::basic_stream<Protocol, Executor, RatePolicy>> : std::true_type {};
  static constexpr bool kOverSocket = IsBasicStream<Next>::value;

  /// Where the bytes go: the socket under a plain stream, else the next layer (TLS).
  auto& transport() noexcept {
    if constexpr (kOverSocket) {
      return next_.socket();
    } else {
      return next_;
    }
  }

  /// Appends the caller's bytes, starts a write when none is in flight, then waits (on the
  /// timer that each finished write cancels) until the write carrying those bytes finished.
  template <typename ConstBuffers>
  struct WriteOp {
    SharedWriteStream& stream;
    ConstBuffers buffers;
    std::uint64_t generation = 0;  // the write that carries these bytes; 0 until appended
    std::size_t size = 0;

    template <typename Self>
    void operator()(Self& self, beast::error_code /*timer*/ = {}) {
      if (generation == 0) {
        size = beast::buffer_bytes(buffers);
        generation = stream.append(buffers);
      }
      if (stream.written_ < generation) {
        stream.flushed().async_wait(std::move(self));  // never completes before this returns
        return;
      }
      self.complete(stream.error_for(generation), size);
    }
  };

  /// Returns the number of the write that will carry the bytes. With no write in flight they
  /// are written straight from the caller's buffers (valid until its handler runs); otherwise
  /// they are copied to join the next write.
  template <typename ConstBuffers>
  std::uint64_t append(const ConstBuffers& buffers) {
    if (!writing_) {
      ++started_;
      writing_ = true;
      if (error_) {
        fail_later();
      } else {
        asio::async_write(transport(), buffers,
                          [this](beast::error_code ec, std::size_t /*bytes*/) { on_written(ec); });
      }
      return started_;
    }
    const std::size_t at = pending_.size();
    const std::size_t size = beast::buffer_bytes(buffers);
    pending_.resize(at + size);
    asio::buffer_copy(asio::buffer(pending_.data() + at, size), buffers);
    return started_ + 1;
  }

  void start_write() {
    ++started_;
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    if (error_) {
      fail_later();
      return;
    }
    asio::async_write(transport(), asio::buffer(in_flight_),
                      [this](beast::error_code ec, std::size_t /*bytes*/) { on_written(ec); });
  }

  /// The connection already failed: the bytes of this write can never be written; their writers
  /// fail, not from inside their initiating call.
  void fail_later() {
    asio::post(next_.get_executor(), [this] { on_written(error_); });
  }

  // `this` stays valid in the handlers above: the writers waiting for this write hold the
  // session that owns this layer, and none of them completes before this runs.
  void on_written(beast::error_code ec) {
    writing_ = false;
    ++written_;
    in_flight_.clear();
    if (ec && !error_) {
      error_ = ec;
      failed_from_ = written_;
    }
    // An idle connection keeps no buffer: bursts are rare per connection, memory per
    // connection is not.
    if (pending_.empty()) {
      std::string().swap(in_flight_);
    } else {
      start_write();
    }
    if (flushed_) {
      flushed_->cancel();  // wakes every waiting writer; each checks whether its write finished
      // With no write in flight, every waiter's bytes are written and none waits again.
      if (!writing_) flushed_.reset();
    }
  }

  /// The timer writers wait on, made when one has to wait and dropped when no write is in
  /// flight: an idle connection holds none (~130 bytes each).
  FlushTimer& flushed() {
    if (!flushed_) {
      flushed_ = std::make_unique<FlushTimer>(next_.get_executor(), FlushTimer::time_point::max());
    }
    return *flushed_;
  }

  [[nodiscard]] beast::error_code error_for(std::uint64_t generation) const {
    return error_ && generation >= failed_from_ ? error_ : beast::error_code{};
  }

  Next next_;
  // Never expires; cancelled after each write to wake the writers. Null while none waits. Of
  // the stream's own executor type (a concrete strand, see ConnectionExecutor): one async_wait
  // per write, so a type-erased executor here would allocate on every write.
  std::unique_ptr<FlushTimer> flushed_;
  std::string pending_;    // bytes taken while a write is in flight, for the next write
  std::string in_flight_;  // the bytes of the write in flight when they were copied
  bool writing_ = false;
  std::uint64_t started_ = 0;  // writes started so far; the next one is started_ + 1
  std::uint64_t written_ = 0;  // writes finished so far
  beast::error_code error_;    // the first failed write's error; every later write fails too
  std::uint64_t failed_from_ = std::numeric_limits<std::uint64_t>::max();
};

// The WebSocket close handshake ends with a teardown of the next layer, found by argument-
// dependent lookup: this layer holds nothing once its writers completed, so it only forwards.

template <typename Next>
void teardown(beast::role_type role, SharedWriteStream<Next>& stream, beast::error_code& ec) {
  using websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <typename Next, typename TeardownHandler>
void async_teardown(beast::role_type role, SharedWriteStream<Next>& stream,
                    TeardownHandler&& handler) {
  using websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace messenger::net
