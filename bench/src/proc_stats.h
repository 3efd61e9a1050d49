#pragma once

#include <cstdint>
#include <optional>

namespace messenger::bench {

/// CPU time (user + system) this process has used, in nanoseconds (getrusage).
std::int64_t self_cpu_ns();

/// CPU time (user + system, all threads) of process `pid` from /proc/<pid>/stat, in
/// nanoseconds at clock-tick resolution (10 ms here). nullopt when the process is gone.
std::optional<std::int64_t> process_cpu_ns(int pid);

/// Bytes process `pid` has caused to be written to storage (write_bytes of /proc/<pid>/io: the
/// file pages it dirtied, counted when dirtied, whether or not the kernel has written them yet);
/// nullopt when the process is gone or not ours to read.
std::optional<std::int64_t> process_storage_write_bytes(int pid);

/// Resident set size (VmRSS) of process `pid` in bytes; nullopt when the process is gone.
std::optional<std::int64_t> process_rss_bytes(int pid);

/// Raises the soft RLIMIT_NOFILE to at least `wanted` (up to the hard limit); returns the new
/// soft limit.
std::uint64_t raise_fd_limit(std::uint64_t wanted);

/// Monotonic time in nanoseconds (steady clock); the clock every timestamp in bench uses.
std::int64_t now_ns();

/// Wall-clock time in milliseconds since the Unix epoch (only for the ids clients make).
std::int64_t unix_ms();

}  // namespace messenger::bench
