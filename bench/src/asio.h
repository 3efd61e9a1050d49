#pragma once

// The one way into Boost.Asio for the load generator. Boost 1.74's awaitable.hpp uses
// std::exchange without including <utility>, which GCC 12 rejects, so <utility> must come first;
// clang-format would sort it after <boost/...>, hence the guard.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

namespace messenger::bench {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
}  // namespace messenger::bench
