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
}  // namespace messenger::net
