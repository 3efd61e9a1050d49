// mongo_test_uri: the tests' MongoDB server, chosen from the environment and started on first
// use; a GoogleTest environment owns it and stops it after the last test.

#include "messenger/testing/mongo_test_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace messenger::test_support {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUriVariable = "MESSENGER_TEST_MONGO_URI";
constexpr const char* kFerretDbVariable = "MESSENGER_FERRETDB";

std::optional<std::string> environment_variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

/// A new folder under the system temp folder, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "messenger-ferretdb-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw TestServerError("cannot create a temporary folder for FerretDB (" + pattern + ")");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// FerretDB with its data and log in a temporary folder; the server stops before the folder goes.
class TemporaryFerretDb {
 public:
  explicit TemporaryFerretDb(const std::string& binary)
      : server_({.binary = binary,
                 .data_dir = (dir_.path() / "db").string(),
                 .log_file = (dir_.path() / "ferretdb.log").string()}) {}
  [[nodiscard]] std::string uri(std::string_view database) const { return server_.uri(database); }

 private:
  TempDir dir_;  // declared first: destroyed last
  FerretDbProcess server_;
};

std::string no_server_message() {
  return std::string("no MongoDB server for the MongoDB tests: set ") + kUriVariable +
         "=mongodb://HOST:PORT to use a running server, or " + kFerretDbVariable +
         "=<path of messenger-test-ferretdb> to start FerretDB (CTest sets it; "
         "tests/ferretdb/build.sh builds the binary and prints its path)";
}

/// The process-wide test server, owned by GoogleTest as a global test environment.
class MongoTestEnvironment final : public ::testing::Environment {
 public:
  std::string uri(std::string_view database) {
    const std::lock_guard lock(mutex_);
    if (auto external = environment_variable(kUriVariable)) {
      return uri_with_database(*external, database);
    }
    if (!failure_.empty()) throw TestServerError(failure_);
    if (server_ == nullptr) start();
    return server_->uri(database);
  }

  void TearDown() override {
    const std::lock_guard lock(mutex_);
    server_.reset();
    failure_.clear();
  }

 private:
  void start() {
    const auto binary = environment_variable(kFerretDbVariable);
    if (!binary) fail(no_server_message());
    try {
      server_ = std::make_unique<TemporaryFerretDb>(*binary);
    } catch (const TestServerError& error) {
      fail(std::string(error.what()) + "\n(" + kFerretDbVariable + "=" + *binary + "; or set " +
           kUriVariable + " to use a running MongoDB server instead)");
    }
  }

  [[noreturn]] void fail(std::string message) {
    failure_ = std::move(message);
    throw TestServerError(failure_);
  }

  std::mutex mutex_;
  std::unique_ptr<TemporaryFerretDb> server_;
  std::string failure_;  // why the server could not be started: later calls fail at once
};

MongoTestEnvironment& test_environment() {
  // GoogleTest owns the environment: it tears it down after the last test, deletes it at exit.
  static auto* const environment = static_cast<MongoTestEnvironment*>(
      ::testing::AddGlobalTestEnvironment(new MongoTestEnvironment));
  return *environment;
}

/// The position where the host list of a mongodb:// URI ends ('/', '?' or the end).
std::size_t hosts_end(std::string_view uri, std::size_t hosts_begin) {
  const auto end = uri.find_first_of("/?", hosts_begin);
  return end == std::string_view::npos ? uri.size() : end;
}

}  // namespace

std::string mongo_test_uri(std::string_view database) {
  return test_environment().uri(database);
}

std::string unique_database_name(std::string_view prefix) {
  static std::atomic<int> next{0};
  return std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++next);
}

std::string uri_with_database(std::string_view uri, std::string_view database) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    throw TestServerError("not a MongoDB connection string (no \"://\"): " + std::string(uri));
  }
  const auto path_begin = hosts_end(uri, scheme_end + 3);
  const auto authority = uri.substr(0, path_begin);
  auto rest = uri.substr(path_begin);
  if (rest.starts_with('/')) rest.remove_prefix(1);
  const auto query_begin = rest.find('?');
  const auto old_database = rest.substr(0, query_begin);
  std::string options(query_begin == std::string_view::npos ? "" : rest.substr(query_begin + 1));

  const bool has_credentials = authority.find('@') != std::string_view::npos;
  if (has_credentials && !old_database.empty() &&
      options.find("authSource=") == std::string::npos) {
    options +=
        (options.empty() ? "" : "&") + std::string("authSource=") + std::string(old_database);
  }
  std::string out = std::string(authority) + "/" + std::string(database);
  if (!options.empty()) out += "?" + options;
  return out;
}

}  // namespace messenger::test_support
