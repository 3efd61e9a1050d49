#pragma once

#include <chrono>

namespace messenger::net {

/// Per-connection request rate limit: `burst` requests at once, refilled at `rate` per second.
/// A rate of 0 disables the limit. Not thread-safe (one per session, used on its strand).
class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  TokenBucket(double rate_per_second, double burst, TimePoint now);

  /// Takes one token if there is one; false means the request is over the limit.
  bool try_take(TimePoint now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace messenger::net
