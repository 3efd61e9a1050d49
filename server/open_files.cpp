#include "open_files.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace messenger::server {

core::Result<OpenFileLimit> raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return core::Error{core::Errc::internal,
                       std::string("getrlimit(RLIMIT_NOFILE) failed: ") + std::strerror(errno)};
  }
  OpenFileLimit result;
  result.soft_before = limit.rlim_cur;
  result.soft = limit.rlim_cur;
  result.hard = limit.rlim_max;
  result.hard_unlimited = limit.rlim_max == RLIM_INFINITY;
  // An unlimited hard limit gives no number to aim at, and the kernel still caps descriptors at
  // fs.nr_open; an unlimited soft limit is already as high as it goes.
  if (result.hard_unlimited || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur >= limit.rlim_max) {
    return result;
  }
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return core::Error{core::Errc::internal,
                       "setrlimit(RLIMIT_NOFILE) to the hard limit " +
                           std::to_string(limit.rlim_max) + " failed: " + std::strerror(errno) +
                           "; raise it with `ulimit -n` or LimitNOFILE= in the service unit"};
  }
  result.soft = limit.rlim_max;
  return result;
}

}  // namespace messenger::server
