// FerretDbProcess: the FerretDB test server as a child process (fork + exec), its readiness line
// read from a pipe, its stderr appended to a log file.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "messenger/testing/mongo_test_server.h"

namespace messenger::test_support {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kReadyPrefix = "ferretdb listening on ";
constexpr std::size_t kLogTailBytes = 4000;

std::string errno_text(int error) {
  return std::strerror(error);
}

/// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

UniqueFd open_or_throw(const std::string& path, int flags, const char* what) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    const int error = errno;
    throw TestServerError("cannot open " + std::string(what) + " " + path + ": " +
                          errno_text(error));
  }
  return fd;
}

/// What the child needs, prepared before fork: after fork only async-signal-safe calls are made.
struct ChildSetup {
  std::vector<std::string> args;
  std::vector<char*> argv;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  pid_t parent;
};

[[noreturn]] void exec_child(const ChildSetup& setup) {
  if (::dup2(setup.stdin_fd, STDIN_FILENO) < 0 || ::dup2(setup.stdout_fd, STDOUT_FILENO) < 0 ||
      ::dup2(setup.stderr_fd, STDERR_FILENO) < 0) {
    ::_exit(126);
  }
  // Signals blocked or ignored here would be inherited through exec: the server must see SIGTERM.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGTERM, &default_action, nullptr);
  sigaction(SIGINT, &default_action, nullptr);
  // No server outlives a test process that crashed or was killed by CTest's timeout.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != setup.parent) ::_exit(125);
  ::execv(setup.argv[0], setup.argv.data());
  constexpr char message[] = "ferretdb test server: execv failed\n";
  [[maybe_unused]] const auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(127);
}

/// The wait status of a child whose end was collected by someone else (SIGCHLD ignored).
constexpr int kStatusUnknown = -1;

std::string describe_status(int status) {
  if (status == kStatusUnknown) return "ended (its exit status was collected elsewhere)";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int number = WTERMSIG(status);
    return "was killed by signal " + std::to_string(number) + " (" + strsignal(number) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

/// Waits for the child; true with its status once it has ended, false when it still runs.
bool reap(pid_t pid, bool block, int& status) {
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    if (done == pid) return true;
    if (done == 0) return false;
    if (errno != EINTR) {
      status = kStatusUnknown;
      return true;  // not our child any more (ECHILD): nothing left to wait for
    }
  }
}

/// The address in the readiness line, or an empty string when the line is something else.
std::string parse_ready_line(std::string_view line) {
  if (!line.starts_with(kReadyPrefix)) return {};
  line.remove_prefix(kReadyPrefix.size());
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  return std::string(line);
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

FerretDbProcess::FerretDbProcess(FerretDbOptions options) : options_(std::move(options)) {
  if (::access(options_.binary.c_str(), X_OK) != 0) {
    const int error = errno;
    throw TestServerError("the FerretDB test server " + options_.binary +
                          " is missing or not executable (" + errno_text(error) +
                          "): build it with tests/ferretdb/build.sh, which prints its path");
  }
  auto log = open_or_throw(options_.log_file, O_WRONLY | O_CREAT | O_APPEND, "the log file");
  auto null_in = open_or_throw("/dev/null", O_RDONLY, "the null device");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw TestServerError("pipe2 failed: " + errno_text(errno));
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  ChildSetup setup{
      .args = {options_.binary, "--listen", options_.listen, "--data-dir", options_.data_dir},
      .argv = {},
      .stdin_fd = null_in.get(),
      .stdout_fd = write_end.get(),
      .stderr_fd = log.get(),
      .parent = ::getpid()};
  for (auto& arg : setup.args) setup.argv.push_back(arg.data());
  setup.argv.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) throw TestServerError("fork failed: " + errno_text(errno));
  if (pid_ == 0) exec_child(setup);
  stdout_fd_ = read_end.release();
  write_end = UniqueFd();  // the child holds the only write end: EOF when it exits
  wait_until_ready();
}

FerretDbProcess::~FerretDbProcess() {
  stop();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::string FerretDbProcess::uri(std::string_view database) const {
  return "mongodb://" + address_ + "/" + std::string(database);
}

void FerretDbProcess::wait_until_ready() {
  const auto deadline = Clock::now() + options_.start_timeout;
  std::string out;
  for (;;) {
    if (const auto newline = out.find('\n'); newline != std::string::npos) {
      address_ = parse_ready_line(std::string_view(out).substr(0, newline));
      if (address_.empty()) fail_start("printed an unexpected line on stdout: " + out);
      return;
    }
    pollfd readable{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&readable, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail_start("could not be watched (poll: " + errno_text(errno) + ")");
    if (ready == 0) {
      fail_start("did not print its readiness line within " +
                 std::to_string(options_.start_timeout.count()) + " ms");
    }
    char buffer[256];
    const auto got = ::read(stdout_fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail_start("closed its stdout before printing its readiness line");
    out.append(buffer, static_cast<std::size_t>(got));
  }
}

void FerretDbProcess::fail_start(const std::string& what) {
  const std::string ended = kill();
  ::close(std::exchange(stdout_fd_, -1));
  throw TestServerError("the FerretDB test server (" + options_.binary + " --listen " +
                        options_.listen + " --data-dir " + options_.data_dir + ") " + what +
                        "; it " + ended + ". Its output (" + options_.log_file + "):\n" +
                        log_tail());
}

std::string FerretDbProcess::log_tail() const {
  std::ifstream in(options_.log_file, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (text.size() > kLogTailBytes) text = "..." + text.substr(text.size() - kLogTailBytes);
  return text.empty() ? "(nothing)" : text;
}

std::string FerretDbProcess::stop() {
  if (pid_ <= 0) return "not running";
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + options_.stop_timeout;
  bool ended = reap(pid_, false, status);
  while (!ended && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
    ended = reap(pid_, false, status);
  }
  if (ended) {
    pid_ = -1;
    return describe_status(status);
  }
  return "did not stop within " + std::to_string(options_.stop_timeout.count()) +
         " ms of SIGTERM and " + kill();
}

std::string FerretDbProcess::kill() {
  if (pid_ <= 0) return "not running";
  ::kill(pid_, SIGKILL);
  int status = 0;
  reap(pid_, true, status);
  pid_ = -1;
  return describe_status(status);
}

}  // namespace messenger::test_support
