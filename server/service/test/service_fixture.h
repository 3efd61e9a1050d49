#pragma once

// Drives the real Service on the real SQLite store (a file in a temporary folder) without a
// network: requests go in as JSON text through the real parser, frames come out of a recording
// Connection.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connection.h"
#include "messenger/core/clock.h"
#include "messenger/protocol/codec.h"
#include "messenger/storage/sqlite_store.h"
#include "metrics.h"
#include "service.h"

namespace messenger::service::test {

using nlohmann::json;

class RecordingConnection final : public Connection {
 public:
  void send(Frame frame) override {
    if (!closed) frames.push_back(json::parse(*frame));
  }
  void close(protocol::CloseCode code, std::string_view) override {
    if (!closed) close_code = code;
    closed = true;
  }
  Courier* courier() override { return carrier; }
  std::vector<json> frames;
  Courier* carrier = nullptr;  // null: the service calls send_all and close
  std::optional<protocol::CloseCode> close_code;
  bool closed = false;
};

struct Client {
  core::ConnectionId id;
  std::shared_ptr<RecordingConnection> conn;
  std::int64_t user_id = 0;
  std::string token;
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("messenger-service-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::open_sqlite_store({(dir_ / "messenger.db").string(), "normal", 5000});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store.value());
    config_.password_opslimit = 1;
    config_.password_memlimit = 8192;
    config_.max_login_failures_per_user = 3;
    config_.max_login_failures_per_address = 10;
    make_service();
    auto password = service_->bootstrap_admin("admin", "admin-password");
    ASSERT_TRUE(password.ok());
    ASSERT_EQ(password.value(), "admin-password");
  }

  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void make_service() { service_ = std::make_unique<Service>(*store_, clock_, metrics_, config_); }

  Client connect(const std::string& address = "127.0.0.1") {
    Client client;
    client.id = core::ConnectionId{++next_connection_};
    client.conn = std::make_shared<RecordingConnection>();
    client.conn->carrier = courier_;
    service_->connect(client.id, client.conn, address);
    service_->run_until_idle();
    return client;
  }

  /// Queues one valid request without handling it; returns its id.
  std::string enqueue(Client& client, json request) {
    const std::string id = "r" + std::to_string(++next_request_);
    request["id"] = id;
    auto parsed = protocol::parse_request(request.dump(), config_.limits);
    EXPECT_TRUE(parsed.body.ok()) << request.dump();
    if (parsed.body.ok()) {
      service_->request(client.id, protocol::Request{parsed.id, std::move(parsed.body.value())});
    }
    return id;
  }

  /// Sends one request and returns its reply (result or error); other frames stay queued.
  json call(Client& client, json request) {
    request["id"] = "r" + std::to_string(++next_request_);
    const std::string id = request["id"];
    auto parsed = protocol::parse_request(request.dump(), config_.limits);
    if (!parsed.body.ok()) {
      return json{{"type", "error"}, {"code", core::to_string(parsed.body.error().code)}};
    }
    service_->request(client.id, protocol::Request{parsed.id, std::move(parsed.body.value())});
    service_->run_until_idle();
    auto& frames = client.conn->frames;
    for (auto it = frames.begin(); it != frames.end(); ++it) {
      if (it->contains("id") && (*it)["id"] == id) {
        json reply = *it;
        frames.erase(it);
        return reply;
      }
    }
    ADD_FAILURE() << "no reply to " << request.dump();
    return json::object();
  }

  json ok(Client& client, json request) {
    json reply = call(client, request);
    EXPECT_EQ(reply["type"], "result") << request.dump() << " -> " << reply.dump();
    return reply.value("result", json::object());
  }

  std::string error_code(Client& client, json request) {
    json reply = call(client, request);
    EXPECT_EQ(reply["type"], "error") << request.dump() << " -> " << reply.dump();
    return reply.value("code", "");
  }

  /// Removes and returns the events (frames without an id) queued for the client.
  std::vector<json> events(Client& client, const std::string& type = "") {
    std::vector<json> out;
    auto& frames = client.conn->frames;
    for (auto it = frames.begin(); it != frames.end();) {
      if (!it->contains("id") && (type.empty() || (*it)["type"] == type)) {
        out.push_back(*it);
        it = frames.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  Client login(const std::string& username, const std::string& password) {
    Client client = connect();
    ok(client, {{"type", "hello"}, {"version", 1}, {"client", "test"}});
    json result =
        ok(client, {{"type", "auth.login"}, {"username", username}, {"password", password}});
    client.user_id = result["user"].value("id", 0);
    client.token = result.value("token", "");
    return client;
  }

  Client admin() { return login("admin", "admin-password"); }

  /// Creates a user through the admin request and logs them in.
  Client user(const std::string& username, const std::string& department = "") {
    Client a = admin();
    ok(a, {{"type", "admin.user.create"},
           {"username", username},
           {"password", username + "-password"},
           {"display_name", username},
           {"department", department}});
    disconnect(a);
    return login(username, username + "-password");
  }

  /// Opens the direct conversation of two users; returns its id. b's events so far are dropped.
  json open_direct(Client& a, Client& b) {
    json id = ok(a, {{"type", "conv.open_direct"}, {"user_id", b.user_id}})["conversation"]["id"];
    events(b);
    return id;
  }

  void disconnect(Client& client) {
    service_->disconnect(client.id);
    service_->run_until_idle();
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  core::ManualClock clock_;
  Metrics metrics_;
  ServiceConfig config_;
  std::unique_ptr<Service> service_;
  Courier* courier_ = nullptr;  // given to the connections made from then on
  std::int64_t next_connection_ = 0;
  std::int64_t next_request_ = 0;
};

}  // namespace messenger::service::test
