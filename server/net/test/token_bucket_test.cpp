#include "token_bucket.h"

#include <gtest/gtest.h>

namespace messenger::net {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(TokenBucket, AllowsBurstThenRefillsAtRate) {
  const Clock::time_point t0{};
  TokenBucket bucket(/*rate_per_second=*/10, /*burst=*/3, t0);
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0 + milliseconds(50)));  // half a token
  EXPECT_TRUE(bucket.try_take(t0 + milliseconds(100)));
  EXPECT_FALSE(bucket.try_take(t0 + milliseconds(100)));
}

TEST(TokenBucket, NeverHoldsMoreThanBurst) {
  const Clock::time_point t0{};
  TokenBucket bucket(100, 2, t0);
  const auto later = t0 + std::chrono::hours(1);
  EXPECT_TRUE(bucket.try_take(later));
  EXPECT_TRUE(bucket.try_take(later));
  EXPECT_FALSE(bucket.try_take(later));
}

TEST(TokenBucket, ZeroRateDisablesTheLimit) {
  const Clock::time_point t0{};
  TokenBucket bucket(0, 1, t0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(bucket.try_take(t0));
  }
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  const Clock::time_point t0 = Clock::time_point{} + std::chrono::seconds(10);
  TokenBucket bucket(1, 1, t0);
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0 - std::chrono::seconds(5)));
  EXPECT_FALSE(bucket.try_take(t0));
}

}  // namespace
}  // namespace messenger::net
