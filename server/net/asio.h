#pragma once

// The one way into Boost.Asio for the net layer. <utility> must come first: Boost 1.74's
// awaitable.hpp uses std::exchange without including it, which GCC 12 rejects.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
// clang-format on

namespace messenger::net {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

/// The executor of a connection: its own strand on the server's io_context. Named as a concrete
/// type instead of Asio's default any_io_executor: that one is type-erased, and a strand is too
/// big for its inline storage, so every copy of it (each async operation, handler binding and
/// work guard copies one) was a heap allocation: ~32 per 1:1 message, 30% of the server's
/// operator new calls (callgrind, messenger-bench chat).
using ConnectionExecutor = asio::strand<asio::io_context::executor_type>;
/// An accepted socket bound to its connection's strand.
using ConnectionSocket = tcp::socket::rebind_executor<ConnectionExecutor>::other;
/// A timer on a connection's strand (same reason as ConnectionExecutor).
using ConnectionTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>, ConnectionExecutor>;
}  // namespace messenger::net
