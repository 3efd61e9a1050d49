// The Server over real sockets on 127.0.0.1 with a real Service on a temporary SQLite file.
// HTTP only (blocking Asio); the WebSocket protocol is covered by tests/e2e.

#include "server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "asio.h"
#include "messenger/core/clock.h"
#include "messenger/storage/sqlite_store.h"
#include "metrics.h"
#include "service.h"

namespace messenger::net {
namespace {

namespace fs = std::filesystem;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("messenger-net-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    storage::SqliteOptions options;
    options.path = (dir_ / "messenger.db").string();
    options.synchronous = "normal";
    auto store = storage::open_sqlite_store(options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    service_ = std::make_unique<service::Service>(*store_, clock_, metrics_, service_config());
    service_->start();
  }

  void TearDown() override {
    service_->stop();
    service_.reset();
    fs::remove_all(dir_);
  }

  static service::ServiceConfig service_config() {
    service::ServiceConfig config;
    config.password_opslimit = 1;
    config.password_memlimit = 8192;
    return config;
  }

  static NetConfig local_config() {
    NetConfig config;
    config.bind_address = "127.0.0.1";
    config.port = 0;
    return config;
  }

  /// One HTTP/1.1 request with Connection: close; returns the whole response.
  static std::string http(std::uint16_t port, const std::string& request_line,
                          const std::string& address = "127.0.0.1") {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect({asio::ip::make_address(address), port});
    const std::string request = request_line + "\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // A request the server refuses may be cut while it is still being written or read.
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(request), ec);
    std::string response;
    asio::read(socket, asio::dynamic_buffer(response), ec);
    return response;
  }

  fs::path dir_;
  core::SystemClock clock_;
  service::Metrics metrics_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<service::Service> service_;
};

TEST_F(ServerTest, ServesHealthAndMetricsAndRefusesOtherPaths) {
  Server server(local_config(), *service_, metrics_);
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error().message;
  EXPECT_NE(*port, 0);

  const std::string health = http(*port, "GET /healthz HTTP/1.1");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << health;
  EXPECT_TRUE(health.ends_with("\r\n\r\nok\n")) << health;

  const std::string metrics = http(*port, "GET /metrics HTTP/1.1");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << metrics;
  EXPECT_NE(metrics.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.find("messenger_connections_open"), std::string::npos);

  EXPECT_EQ(http(*port, "GET /nothing HTTP/1.1").rfind("HTTP/1.1 404", 0), 0U);
  EXPECT_EQ(http(*port, "GET /ws HTTP/1.1").rfind("HTTP/1.1 404", 0), 0U);  // no upgrade
  EXPECT_EQ(http(*port, "POST /healthz HTTP/1.1").rfind("HTTP/1.1 405", 0), 0U);
  server.stop();
}

TEST_F(ServerTest, OversizedHttpRequestIsCut) {
  NetConfig config = local_config();
  config.max_http_request_bytes = 1024;
  Server server(config, *service_, metrics_);
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error().message;
  const std::string response =
      http(*port, "GET /healthz HTTP/1.1\r\nX-Padding: " + std::string(4096, 'x'));
  EXPECT_EQ(response.find("200 OK"), std::string::npos) << response;
  EXPECT_EQ(http(*port, "GET /healthz HTTP/1.1").rfind("HTTP/1.1 200", 0), 0U);
}

TEST_F(ServerTest, PortInUseIsAClearError) {
  Server first(local_config(), *service_, metrics_);
  auto port = first.start();
  ASSERT_TRUE(port.ok()) << port.error().message;
  NetConfig config = local_config();
  config.port = *port;
  Server second(config, *service_, metrics_);
  auto result = second.start();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("127.0.0.1:" + std::to_string(*port)), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("in use"), std::string::npos) << result.error().message;
}

TEST_F(ServerTest, InvalidBindAddressAndMissingCertificateAreErrors) {
  NetConfig config = local_config();
  config.bind_address = "not-an-address";
  EXPECT_FALSE(Server(config, *service_, metrics_).start().ok());

  config = local_config();
  config.tls_cert_file = (dir_ / "missing-cert.pem").string();
  config.tls_key_file = (dir_ / "missing-key.pem").string();
  auto result = Server(config, *service_, metrics_).start();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("missing-cert.pem"), std::string::npos);
}

TEST_F(ServerTest, ListensOnIpv6Loopback) {
  NetConfig config = local_config();
  config.bind_address = "::1";
  Server server(config, *service_, metrics_);
  auto port = server.start();
  if (!port.ok()) {
    GTEST_SKIP() << "no IPv6 here: " << port.error().message;
  }
  EXPECT_EQ(http(*port, "GET /healthz HTTP/1.1", "::1").rfind("HTTP/1.1 200", 0), 0U);
}

TEST_F(ServerTest, StopAcceptingThenStopIsQuickAndIdempotent) {
  NetConfig config = local_config();
  config.io_threads = 2;
  Server server(config, *service_, metrics_);
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error().message;

  // An idle HTTP connection is open while the server stops.
  asio::io_context io;
  tcp::socket idle(io);
  idle.connect({asio::ip::make_address("127.0.0.1"), *port});

  server.stop_accepting();
  boost::system::error_code ec;
  tcp::socket late(io);
  late.connect({asio::ip::make_address("127.0.0.1"), *port}, ec);
  EXPECT_TRUE(ec) << "connected after stop_accepting";

  const auto started = std::chrono::steady_clock::now();
  server.stop();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  char byte = 0;
  idle.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "the idle connection was closed";
}

}  // namespace
}  // namespace messenger::net
