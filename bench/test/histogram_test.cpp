#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

namespace messenger::bench {
namespace {

TEST(Histogram, BucketsAreContiguousAndBoundTheirValues) {
  for (const std::uint64_t v : std::initializer_list<std::uint64_t>{
           0, 1, 127, 128, 129, 255, 256, 1000, 123456789, std::uint64_t{1} << 40, UINT64_MAX}) {
    const int b = Histogram::bucket_of(v);
    ASSERT_GE(b, 0);
    ASSERT_LT(b, Histogram::kBuckets);
    EXPECT_LE(Histogram::bucket_low(b), v) << v;
    EXPECT_GE(Histogram::bucket_high(b), v) << v;
  }
  for (int b = 1; b < Histogram::kBuckets; ++b) {
    ASSERT_EQ(Histogram::bucket_low(b), Histogram::bucket_high(b - 1) + 1) << b;
  }
}

TEST(Histogram, PercentilesWithinOnePointSixPercent) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(13.0, 1.0);  // around 0.5 ms in ns
  Histogram h;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::uint64_t>(latency(random));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(values[static_cast<std::size_t>(q * values.size()) - 1]);
    EXPECT_NEAR(static_cast<double>(h.percentile(q)), exact, exact * 0.016) << q;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(Histogram, MergeAddsCounts) {
  Histogram a;
  Histogram b;
  a.record(10);
  b.record(1000);
  b.record(2000);
  a.merge(b);
  EXPECT_EQ(a.count(), 3U);
  EXPECT_EQ(a.min(), 10U);
  EXPECT_EQ(a.max(), 2000U);
  EXPECT_EQ(a.percentile(0.0), 10U);
  EXPECT_EQ(Histogram().percentile(0.5), 0U);
}

}  // namespace
}  // namespace messenger::bench
