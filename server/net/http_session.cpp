#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "beast.h"
#include "metrics.h"
#include "session_context.h"
#include "websocket_session.h"

namespace messenger::net {
namespace {

using Response = http::response<http::string_body>;

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

Response make_response(const HttpRequest& request, http::status status,
                       std::string_view content_type, std::string body) {
  Response response{status, request.version()};
  response.set(http::field::server, kServerHeader);
  response.set(http::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  if (request.method() == http::verb::head) {
    response.body().clear();  // Content-Length stays that of the GET response
  }
  return response;
}

/// One TCP connection until it upgrades to a WebSocket: optional TLS handshake, then HTTP
/// requests (keep-alive) answered by route. All on the connection's strand.
template <typename Stream>
class HttpSession final : public Stoppable,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream&& stream, SessionContext& context, std::int64_t id, std::string log_context,
              std::string remote_address)
      : stream_(std::move(stream)),
        context_(context),
        id_(id),
        log_(std::move(log_context)),
        remote_(std::move(remote_address)),
        buffer_(context.config.max_http_request_bytes) {}

  ~HttpSession() override { context_.registry.remove(id_, this); }
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void run() {
    if (!context_.registry.add(id_, this->weak_from_this(), this)) {
      hard_close();
      return;
    }
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(context_.config.handshake_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
    } else {
      do_read();
    }
  }

  void shutdown() override { abort(); }

  void abort() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->hard_close(); });
  }

 private:
  void on_handshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("tls.handshake_failed {} error=\"{}\"", log_, ec.message());
      hard_close();
      return;
    }
    do_read();
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.config.max_http_request_bytes));
    parser_->body_limit(context_.config.max_http_request_bytes);
    beast::get_lowest_layer(stream_).expires_after(context_.config.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::end_of_stream) {
      graceful_close();
      return;
    }
    if (ec) {
      spdlog::debug("http.read_failed {} error=\"{}\"", log_, ec.message());
      hard_close();
      return;
    }
    try {
      HttpRequest request = parser_->release();
      if (websocket::is_upgrade(request)) {
        if (path_of(request.target()) == "/ws") {
          beast::get_lowest_layer(stream_).expires_never();
          run_websocket_session(std::move(stream_), std::move(request), context_, id_,
                                std::move(log_), std::move(remote_));
          return;  // the WebSocket session owns the connection now
        }
        respond(make_response(request, http::status::not_found, "text/plain", "not found\n"));
        return;
      }
      respond(route(request));
    } catch (const std::exception& e) {
      spdlog::error("http.exception {} what=\"{}\"", log_, e.what());
      hard_close();
    }
  }

  Response route(const HttpRequest& request) {
    const std::string_view path = path_of(request.target());
    const bool known = path == "/healthz" || path == "/metrics";
    if (!known) {
      return make_response(request, http::status::not_found, "text/plain", "not found\n");
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      Response response = make_response(request, http::status::method_not_allowed, "text/plain",
                                        "method not allowed\n");
      response.set(http::field::allow, "GET, HEAD");
      return response;
    }
    if (path == "/healthz") {
      return make_response(request, http::status::ok, "text/plain", "ok\n");
    }
    return make_response(request, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                         context_.metrics.render());
  }

  void respond(Response response) {
    response_ = std::move(response);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      spdlog::debug("http.write_failed {} error=\"{}\"", log_, ec.message());
      hard_close();
      return;
    }
    if (response_.need_eof()) {
      graceful_close();
      return;
    }
    do_read();
  }

  void graceful_close() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(context_.config.handshake_timeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->hard_close(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void hard_close() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  SessionContext& context_;
  const std::int64_t id_;
  std::string log_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;
};

}  // namespace

void start_http_session(ConnectionSocket socket, const tcp::endpoint& remote,
                        SessionContext& context, std::int64_t connection_id) {
  std::string address = remote.address().to_string();
  std::string log_context =
      remote.address().is_v6()
          ? fmt::format("conn={} remote=[{}]:{}", connection_id, address, remote.port())
          : fmt::format("conn={} remote={}:{}", connection_id, address, remote.port());
  spdlog::debug("tcp.accepted {}", log_context);
  if (context.tls != nullptr) {
    auto session = std::make_shared<HttpSession<TlsStream>>(
        TlsStream(std::move(socket), *context.tls), context, connection_id, std::move(log_context),
        std::move(address));
    session->run();
  } else {
    auto session = std::make_shared<HttpSession<PlainStream>>(
        PlainStream(std::move(socket)), context, connection_id, std::move(log_context),
        std::move(address));
    session->run();
  }
}

}  // namespace messenger::net
