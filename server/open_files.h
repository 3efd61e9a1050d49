#pragma once

#include <cstdint>

#include "messenger/core/result.h"

namespace messenger::server {

/// The process's open file limit (RLIMIT_NOFILE) before and after raise_open_file_limit().
struct OpenFileLimit {
  std::uint64_t soft_before = 0;
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
  /// RLIM_INFINITY as a hard limit: no finite number to raise to; soft is left as it was.
  bool hard_unlimited = false;
};

/// Raises the soft open file limit to the hard limit. Every connection holds one descriptor,
/// and the usual soft default (1,024) would refuse connections long before memory runs out,
/// while the hard limit is what the administrator allowed. Never lowers the soft limit.
/// Errors name the system call that failed and the limits seen.
core::Result<OpenFileLimit> raise_open_file_limit();

}  // namespace messenger::server
