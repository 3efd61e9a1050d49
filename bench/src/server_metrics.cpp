#include "server_metrics.h"

#include <chrono>
#include <string_view>

#include "asio.h"

namespace messenger::bench {
namespace {

constexpr auto kFetchTimeout = std::chrono::seconds(2);
constexpr std::size_t kMaxResponseBytes = 1 << 20;  // the page is a few KiB

/// The body of GET /metrics, read to the end of the connection (HTTP/1.1 with close).
asio::awaitable<std::string> get_metrics(tcp::endpoint endpoint, std::string host) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(endpoint, asio::use_awaitable);
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  std::string response;
  boost::system::error_code ec;
  co_await asio::async_read(socket, asio::dynamic_buffer(response, kMaxResponseBytes),
                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec && ec != asio::error::eof) throw boost::system::system_error(ec);
  co_return response;
}

}  // namespace

std::optional<BucketCounts> fetch_message_seconds(const Target& server) {
  // Declared before the io_context: a fetch cut off by the bound still holds a reference to it
  // until the io_context is destroyed.
  std::optional<std::string> response;
  asio::io_context io;
  asio::co_spawn(io, get_metrics(server.endpoint, server.host),
                 [&](std::exception_ptr error, std::string text) {
                   if (!error) response = std::move(text);
                 });
  io.run_for(kFetchTimeout);
  if (!response) return std::nullopt;
  const auto body = response->find("\r\n\r\n");
  if (response->compare(0, 12, "HTTP/1.1 200") != 0 || body == std::string::npos) {
    return std::nullopt;
  }
  return parse_histogram(std::string_view(*response).substr(body + 4), "messenger_message_seconds");
}

}  // namespace messenger::bench
