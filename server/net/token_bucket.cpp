#include "token_bucket.h"

#include <algorithm>

namespace messenger::net {

TokenBucket::TokenBucket(double rate_per_second, double burst, TimePoint now)
    : rate_(rate_per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

bool TokenBucket::try_take(TimePoint now) {
  if (rate_ <= 0) {
    return true;
  }
  if (now > last_) {
    const std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    last_ = now;
  }
  if (tokens_ < 1.0) {
    return false;
  }
  tokens_ -= 1.0;
  return true;
}

}  // namespace messenger::net
