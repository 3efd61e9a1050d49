#pragma once

// Included only by shared_write_stream.h (it reaches into Asio's reactor internals).

#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/version.hpp>
#include <cstddef>

#include "asio.h"

namespace messenger::net {

/// Whether reads of a DrainedRead go without the speculative recvmsg after a short read; only
/// for the Boost whose reactor this was checked against (elsewhere reads are as Asio does them).
inline constexpr bool kSkipsDrainedReads = BOOST_VERSION == 107400;

/// A buffer sequence for a socket read that tells Asio's reactor when the read left the socket
/// empty, so that the next read waits for readiness instead of trying first.
///
/// Why: Asio 1.74 tries every read at once (a "speculative" recvmsg) before it waits on epoll.
/// A session reads a request, answers it, then reads again; the next request is almost never
/// there yet, so each request cost a second recvmsg that failed with EAGAIN (one of the two
/// recvmsg per message in strace). The reactor can skip that attempt: it keeps a "try first" flag
/// per socket and direction, clears it when a read reports `done_and_exhausted`, and sets it again
/// on every readiness event from epoll, even one that arrives while no read is waiting. Asio 1.74
/// reports `done_and_exhausted` only at end of stream; a read through this type reports it also
/// when it returned fewer bytes than its buffers hold. On a TCP socket that means the receive
/// queue was empty when the read returned; the descriptor is registered edge-triggered, so any
/// byte that arrives later raises a new readiness event, which sets the flag again or runs the
/// waiting read. Nothing can be missed; only the failing attempt is saved.
template <typename Buffers>
struct DrainedRead {
  Buffers buffers;

  [[nodiscard]] auto begin() const { return asio::buffer_sequence_begin(buffers); }
  [[nodiscard]] auto end() const { return asio::buffer_sequence_end(buffers); }
};

}  // namespace messenger::net

#if BOOST_VERSION == 107400
namespace boost::asio::detail {

/// Asio 1.74's reactive_socket_recv_op_base (boost/asio/detail/reactive_socket_recv_op.hpp) with
/// one difference, marked below: a short read is reported as `done_and_exhausted`.
template <typename Buffers>
class reactive_socket_recv_op_base<messenger::net::DrainedRead<Buffers>> : public reactor_op {
 public:
  using Sequence = messenger::net::DrainedRead<Buffers>;

  reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                               socket_ops::state_type state, const Sequence& buffers,
                               socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
        socket_(socket),
        state_(state),
        buffers_(buffers),
        flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<reactive_socket_recv_op_base*>(base);
    using bufs_type = buffer_sequence_adapter<boost::asio::mutable_buffer, Sequence>;
    bufs_type bufs(o->buffers_);
    const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
    status result = socket_ops::non_blocking_recv(o->socket_, bufs.buffers(), bufs.count(),
                                                  o->flags_, stream, o->ec_, o->bytes_transferred_)
                        ? done
                        : not_done;
    // The difference: fewer bytes than asked for means the socket is empty for now.
    if (result == done && stream && !o->ec_ && o->bytes_transferred_ < bufs.total_size()) {
      result = done_and_exhausted;
    }
    if (result == done && stream && o->bytes_transferred_ == 0) result = done_and_exhausted;
    return result;
  }

 private:
  socket_type socket_;
  socket_ops::state_type state_;
  Sequence buffers_;
  socket_base::message_flags flags_;
};

}  // namespace boost::asio::detail
#endif
