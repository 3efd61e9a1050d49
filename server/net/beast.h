#pragma once

// Beast for the two translation units that need it (http_session.cpp, websocket_session.cpp).
// Each including TU costs ~40 s and ~1.3 GB to compile: include this from nowhere else.
// clang-format off
#include "asio.h"
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
// clang-format on

namespace messenger::net {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

using PlainStream = beast::basic_stream<tcp, ConnectionExecutor>;
using TlsStream = beast::ssl_stream<PlainStream>;
using HttpRequest = http::request<http::string_body>;

inline constexpr const char* kServerHeader = "messenger-server";
}  // namespace messenger::net
