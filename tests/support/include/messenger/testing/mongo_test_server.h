#pragma once

// The MongoDB server of the MongoDB tests (issue 3), for GoogleTest binaries.
//
// mongo_test_uri("db") gives a connection string naming database "db" on:
//   - the server of MESSENGER_TEST_MONGO_URI when that is set (e.g. mongodb://127.0.0.1:27017,
//     a real mongod), or else
//   - a FerretDB test server that this process starts on first use from the binary named by
//     MESSENGER_FERRETDB (CTest sets it: see tests/ferretdb/MongoTests.cmake), on 127.0.0.1 on a
//     free port with its data in a fresh temporary folder, and stops after the last test.
// When neither works it throws TestServerError, whose message says what to set and what FerretDB
// printed: GoogleTest reports that as a failure of the test. MongoDB tests never skip.
//
// Namespace messenger::test_support, not messenger::testing, so that `testing::` in code inside
// namespace messenger still names GoogleTest.

#include <sys/types.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace messenger::test_support {

/// No MongoDB server could be had for the tests; the message says why and what to do.
class TestServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// "mongodb://HOST:PORT/<database>" on the tests' server (see above), started on first use.
/// Throws TestServerError when there is none; later calls throw the same error at once.
std::string mongo_test_uri(std::string_view database);

/// A database name that no other test of this or another process uses at the same time:
/// "<prefix>_<pid>_<n>". Keep the prefix short (a name has at most 63 characters) and made of
/// letters, digits and '_'.
std::string unique_database_name(std::string_view prefix);

/// `uri` with its database (the path) replaced by `database`; hosts, credentials and options are
/// kept. When the URI has credentials and names a database but no authSource, that database
/// becomes the authSource, so authentication does not move with the path.
std::string uri_with_database(std::string_view uri, std::string_view database);

struct FerretDbOptions {
  std::string binary;    // messenger-test-ferretdb (tests/ferretdb/build.sh prints its path)
  std::string data_dir;  // one SQLite file per database; created if missing, kept after stop
  std::string log_file;  // FerretDB's stderr is appended to it
  std::string listen = "127.0.0.1:0";               // port 0 picks a free port
  std::chrono::milliseconds start_timeout{20'000};  // until the readiness line
  std::chrono::milliseconds stop_timeout{5'000};    // from SIGTERM until SIGKILL
};

/// One FerretDB child process, for tests that need to stop and start the server themselves
/// (start it again on the same data_dir and with listen = the old address to bring it back).
/// The child is killed if this process dies, so that no server outlives a crashed test; that
/// ties it to the thread that started it: start it from the main thread or one that outlives it.
class FerretDbProcess {
 public:
  /// Starts the server and waits for its readiness line. Throws TestServerError, with the
  /// server's output, when it does not start within options.start_timeout.
  explicit FerretDbProcess(FerretDbOptions options);
  FerretDbProcess(const FerretDbProcess&) = delete;
  FerretDbProcess& operator=(const FerretDbProcess&) = delete;
  ~FerretDbProcess();

  /// "127.0.0.1:PORT", the address it listens on.
  [[nodiscard]] const std::string& address() const { return address_; }
  /// "mongodb://127.0.0.1:PORT/<database>".
  [[nodiscard]] std::string uri(std::string_view database) const;
  [[nodiscard]] bool running() const { return pid_ > 0; }
  /// The end of what the server wrote to its log (stderr) so far.
  [[nodiscard]] std::string log_tail() const;

  /// SIGTERM, SIGKILL when it has not exited after options.stop_timeout; waits for it. Returns
  /// how it ended (e.g. "exited with status 0"); "not running" when it was not running.
  std::string stop();
  /// SIGKILL at once, as a crash would; waits for it.
  std::string kill();

 private:
  void wait_until_ready();
  [[noreturn]] void fail_start(const std::string& what);

  FerretDbOptions options_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;  // the read end of the child's stdout
  std::string address_;
};

}  // namespace messenger::test_support
