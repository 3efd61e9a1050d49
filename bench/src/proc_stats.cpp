#include "proc_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace messenger::bench {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t self_cpu_ns() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto to_ns = [](const timeval& tv) {
    return static_cast<std::int64_t>(tv.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(tv.tv_usec) * 1'000;
  };
  return to_ns(usage.ru_utime) + to_ns(usage.ru_stime);
}

std::optional<std::int64_t> process_cpu_ns(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields restart after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::string skip;
  // Fields 3..13 precede utime (14) and stime (15).
  for (int i = 3; i <= 13; ++i) fields >> skip;
  long long utime = 0;
  long long stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  const long ticks = sysconf(_SC_CLK_TCK);
  return (utime + stime) * (1'000'000'000LL / (ticks > 0 ? ticks : 100));
}

namespace {

/// The number after `key` on its line of /proc/<pid>/<file> ("VmRSS:  1234 kB" gives 1234).
std::optional<std::int64_t> proc_number(int pid, const char* file, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (in && std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream value(line.substr(key.size()));
    long long number = 0;
    if (value >> number) return number;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> process_storage_write_bytes(int pid) {
  return proc_number(pid, "io", "write_bytes:");
}

std::optional<std::int64_t> process_rss_bytes(int pid) {
  const auto kib = proc_number(pid, "status", "VmRSS:");
  if (!kib) return std::nullopt;
  return *kib * 1024;
}

std::uint64_t raise_fd_limit(std::uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur =
        limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace messenger::bench
