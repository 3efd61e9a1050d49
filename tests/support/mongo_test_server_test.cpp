#include "messenger/testing/mongo_test_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace messenger::test_support {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- uri_with_database ----

TEST(UriWithDatabase, AddsTheDatabaseToABareHost) {
  EXPECT_EQ(uri_with_database("mongodb://127.0.0.1:27017", "db1"), "mongodb://127.0.0.1:27017/db1");
  EXPECT_EQ(uri_with_database("mongodb://127.0.0.1:27017/", "db1"),
            "mongodb://127.0.0.1:27017/db1");
}

TEST(UriWithDatabase, ReplacesTheDatabaseAndKeepsTheOptions) {
  EXPECT_EQ(uri_with_database("mongodb://a:1,b:2/old?replicaSet=rs0&w=majority", "new"),
            "mongodb://a:1,b:2/new?replicaSet=rs0&w=majority");
  EXPECT_EQ(uri_with_database("mongodb://a:1/?replicaSet=rs0", "new"),
            "mongodb://a:1/new?replicaSet=rs0");
}

TEST(UriWithDatabase, KeepsAuthenticationOnTheDatabaseTheUriNamed) {
  EXPECT_EQ(uri_with_database("mongodb://u:p@h:1/admin", "db"),
            "mongodb://u:p@h:1/db?authSource=admin");
  EXPECT_EQ(uri_with_database("mongodb://u:p@h:1/admin?authSource=other", "db"),
            "mongodb://u:p@h:1/db?authSource=other");
  EXPECT_EQ(uri_with_database("mongodb://u:p@h:1/", "db"), "mongodb://u:p@h:1/db");
}

TEST(UriWithDatabase, RefusesSomethingThatIsNotAUri) {
  EXPECT_THROW(uri_with_database("127.0.0.1:27017", "db"), TestServerError);
}

TEST(UniqueDatabaseName, NamesThePrefixAndThisProcessAndNeverRepeats) {
  const auto first = unique_database_name("t");
  const auto second = unique_database_name("t");
  EXPECT_NE(first, second);
  EXPECT_TRUE(first.starts_with("t_" + std::to_string(::getpid()) + "_")) << first;
}

// ---- FerretDbProcess ----

/// A folder for one test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mongo-test-server-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  FerretDbOptions options(const std::string& binary) const {
    return {
        .binary = binary, .data_dir = (dir_ / "db").string(), .log_file = (dir_ / "log").string()};
  }

  /// An executable shell script standing in for the server.
  std::string script(std::string_view name, std::string_view body) const {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  /// The message of the TestServerError that starting `options` throws.
  static std::string start_error(const FerretDbOptions& options) {
    try {
      FerretDbProcess server(options);
    } catch (const TestServerError& error) {
      return error.what();
    }
    ADD_FAILURE() << options.binary << " started";
    return {};
  }

  fs::path dir_;
};

bool accepts_connections(const std::string& address) {
  const auto colon = address.rfind(':');
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &target.sin_addr);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0;
  ::close(fd);
  return connected;
}

std::string ferretdb_binary() {
  const char* binary = std::getenv("MESSENGER_FERRETDB");
  if (binary == nullptr) {
    ADD_FAILURE() << "MESSENGER_FERRETDB is not set (CTest sets it; tests/ferretdb/build.sh "
                     "prints the path of the binary)";
    return "/nonexistent/messenger-test-ferretdb";
  }
  return binary;
}

TEST_F(TempDirTest, FerretDbStartsOnAFreePortAndStopsCleanly) {
  FerretDbProcess server(options(ferretdb_binary()));
  ASSERT_TRUE(server.running());
  EXPECT_TRUE(server.address().starts_with("127.0.0.1:")) << server.address();
  EXPECT_EQ(server.uri("x"), "mongodb://" + server.address() + "/x");
  EXPECT_TRUE(accepts_connections(server.address()));
  EXPECT_EQ(server.stop(), "exited with status 0");
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.stop(), "not running");
  EXPECT_TRUE(contains(server.log_tail(), "ferretdb: stopped")) << server.log_tail();
}

TEST_F(TempDirTest, FerretDbComesBackOnTheSameAddressAfterAKill) {
  std::string address;
  {
    FerretDbProcess server(options(ferretdb_binary()));
    address = server.address();
    EXPECT_EQ(server.kill(), "was killed by signal 9 (Killed)");
    EXPECT_FALSE(accepts_connections(address));
  }
  auto again = options(ferretdb_binary());
  again.listen = address;
  FerretDbProcess server(again);
  EXPECT_EQ(server.address(), address);
  EXPECT_TRUE(accepts_connections(address));
}

TEST_F(TempDirTest, AMissingBinaryIsAClearError) {
  const auto message = start_error(options((dir_ / "no-such-binary").string()));
  EXPECT_TRUE(contains(message, "no-such-binary")) << message;
  EXPECT_TRUE(contains(message, "tests/ferretdb/build.sh")) << message;
}

TEST_F(TempDirTest, AServerThatExitsAtOnceIsReportedWithItsOutput) {
  const auto message = start_error(options(script("fails", "echo 'bad flag' >&2; exit 2")));
  EXPECT_TRUE(contains(message, "closed its stdout")) << message;
  EXPECT_TRUE(contains(message, "exited with status 2")) << message;
  EXPECT_TRUE(contains(message, "bad flag")) << message;
}

TEST_F(TempDirTest, AServerThatNeverGetsReadyIsKilledAfterTheTimeout) {
  auto slow = options(script("slow", "echo 'still starting' >&2; exec sleep 60"));
  slow.start_timeout = milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  const auto message = start_error(slow);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(contains(message, "did not print its readiness line within 300 ms")) << message;
  EXPECT_TRUE(contains(message, "was killed by signal 9")) << message;
  EXPECT_TRUE(contains(message, "still starting")) << message;
}

TEST_F(TempDirTest, AnUnexpectedLineOnStdoutIsAnError) {
  const auto message = start_error(options(script("chatty", "echo hello; exec sleep 60")));
  EXPECT_TRUE(contains(message, "unexpected line on stdout: hello")) << message;
}

TEST_F(TempDirTest, AServerIgnoringSigtermIsKilledAfterTheStopTimeout) {
  // Prints the readiness line, then ignores SIGTERM.
  auto stubborn = options(
      script("stubborn",
             "trap '' TERM; echo 'ferretdb listening on 127.0.0.1:1'; while :; do sleep 1; done"));
  stubborn.stop_timeout = milliseconds(200);
  FerretDbProcess server(stubborn);
  EXPECT_EQ(server.address(), "127.0.0.1:1");
  EXPECT_EQ(server.stop(),
            "did not stop within 200 ms of SIGTERM and was killed by signal 9 (Killed)");
}

// ---- the process-wide server ----

TEST(MongoTestUri, NamesTheDatabaseOnAServerThatAcceptsConnections) {
  const auto uri = mongo_test_uri("some_db");
  ASSERT_TRUE(uri.starts_with("mongodb://")) << uri;
  const auto path = uri.find('/', 10);
  ASSERT_NE(path, std::string::npos) << uri;
  EXPECT_EQ(uri.substr(path, 8), "/some_db") << uri;
  if (std::getenv("MESSENGER_TEST_MONGO_URI") == nullptr) {
    EXPECT_TRUE(accepts_connections(uri.substr(10, path - 10))) << uri;
    EXPECT_EQ(mongo_test_uri("other"), uri.substr(0, path) + "/other");
  }
}

}  // namespace
}  // namespace messenger::test_support
