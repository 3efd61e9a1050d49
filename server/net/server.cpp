#include "server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "asio.h"
#include "io_courier.h"
#include "listener.h"
#include "session_context.h"

namespace messenger::net {
namespace {

core::Error startup_error(std::string message) {
  return core::Error{core::Errc::unavailable, std::move(message)};
}

std::string endpoint_text(const std::string& address, std::uint16_t port) {
  return address.find(':') != std::string::npos ? "[" + address + "]:" + std::to_string(port)
                                                : address + ":" + std::to_string(port);
}

}  // namespace

// Member order matters: the io_context is destroyed first (its pending handlers hold
// sessions), then the TLS context and the SessionContext those sessions refer to.
class Server::Impl {
 public:
  Impl(NetConfig config, service::Service& service, service::Metrics& metrics)
      : context_{std::move(config), service, metrics, nullptr, nullptr, {}}, courier_(io_) {
    context_.courier = &courier_;
  }

  core::Result<std::uint16_t> start();
  void stop_accepting();
  void stop();

 private:
  core::Status load_tls();
  void run_io();

  SessionContext context_;
  std::optional<ssl::context> tls_;
  std::atomic<std::int64_t> next_connection_id_{0};
  asio::io_context io_;
  IoCourier courier_;  // after io_: it posts to io_
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool started_ = false;
  bool stopped_ = false;
};

core::Status Server::Impl::load_tls() {
  const NetConfig& config = context_.config;
  tls_.emplace(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
  tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  tls_->use_certificate_chain_file(config.tls_cert_file, ec);
  if (ec) {
    return startup_error("cannot load TLS certificate '" + config.tls_cert_file +
                         "': " + ec.message());
  }
  tls_->use_private_key_file(config.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return startup_error("cannot load TLS private key '" + config.tls_key_file +
                         "': " + ec.message());
  }
  if (SSL_CTX_check_private_key(tls_->native_handle()) != 1) {
    return startup_error("TLS private key '" + config.tls_key_file +
                         "' does not match the certificate '" + config.tls_cert_file + "'");
  }
  context_.tls = &*tls_;
  return core::Ok{};
}

core::Result<std::uint16_t> Server::Impl::start() {
  const NetConfig& config = context_.config;
  if (started_) {
    return startup_error("the server is already started");
  }
  if (config.io_threads < 1) {
    return startup_error("io_threads must be at least 1");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return startup_error("TLS needs both a certificate and a private key");
  }
  if (config.tls()) {
    MESSENGER_TRY(load_tls());
  }

  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(config.bind_address, ec);
  if (ec) {
    return startup_error("invalid bind address '" + config.bind_address +
                         "': expected an IPv4 or IPv6 literal such as 0.0.0.0 or ::");
  }
  const tcp::endpoint endpoint{address, config.port};
  const std::string where = endpoint_text(config.bind_address, config.port);
  tcp::acceptor acceptor(asio::make_strand(io_));
  acceptor.open(endpoint.protocol(), ec);
  if (ec) {
    return startup_error("cannot open a socket for " + where + ": " + ec.message());
  }
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) {
    return startup_error("cannot listen on " + where + ": " + ec.message() +
                         (ec == asio::error::address_in_use
                              ? " (another process uses the port; pick another with --port)"
                              : ""));
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return startup_error("cannot listen on " + where + ": " + ec.message());
  }
  const std::uint16_t port = acceptor.local_endpoint(ec).port();
  if (ec) {
    return startup_error("cannot read the bound port of " + where + ": " + ec.message());
  }

  listener_ = std::make_shared<Listener>(io_, std::move(acceptor), context_, next_connection_id_);
  listener_->run();
  work_.emplace(io_.get_executor());
  started_ = true;
  threads_.reserve(static_cast<std::size_t>(config.io_threads));
  for (int i = 0; i < config.io_threads; ++i) {
    threads_.emplace_back([this] { run_io(); });
  }
  spdlog::info("net.listening address={} port={} tls={} io_threads={}", config.bind_address, port,
               config.tls(), config.io_threads);
  return port;
}

void Server::Impl::run_io() {
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      // Handlers catch their own exceptions; this is the last line, so the thread goes on.
      spdlog::error("net.io_exception what=\"{}\"", e.what());
    }
  }
}

void Server::Impl::stop_accepting() {
  std::lock_guard lock(stop_mutex_);
  if (listener_) {
    listener_->stop();
  }
}

void Server::Impl::stop() {
  std::lock_guard lock(stop_mutex_);
  if (!started_ || stopped_) {
    return;
  }
  stopped_ = true;
  if (listener_) {
    listener_->stop();
  }
  context_.registry.shutdown_all();
  if (!context_.registry.wait_empty(std::chrono::seconds(3))) {
    spdlog::warn("net.stop sessions_left={}; cutting them", context_.registry.size());
    context_.registry.abort_all();
    context_.registry.wait_empty(std::chrono::seconds(1));
  }
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  spdlog::info("net.stopped");
}

Server::Server(NetConfig config, service::Service& service, service::Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(config), service, metrics)) {}

Server::~Server() {
  impl_->stop();
}

core::Result<std::uint16_t> Server::start() {
  return impl_->start();
}
void Server::stop_accepting() {
  impl_->stop_accepting();
}
void Server::stop() {
  impl_->stop();
}

}  // namespace messenger::net
