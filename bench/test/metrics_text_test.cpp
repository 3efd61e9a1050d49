#include "metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace messenger::bench {
namespace {

std::string page(int under_1ms, int under_2ms, int under_5ms, int total) {
  return "# HELP messenger_message_seconds Time.\n"
         "# TYPE messenger_message_seconds histogram\n"
         "messenger_message_seconds_bucket{le=\"0.001\"} " +
         std::to_string(under_1ms) + "\n" + "messenger_message_seconds_bucket{le=\"0.002\"} " +
         std::to_string(under_2ms) + "\n" + "messenger_message_seconds_bucket{le=\"0.005\"} " +
         std::to_string(under_5ms) + "\n" + "messenger_message_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(total) + "\n" +
         "messenger_message_seconds_sum 0.5\nmessenger_message_seconds_count " +
         std::to_string(total) + "\nmessenger_commit_seconds_bucket{le=\"0.001\"} 7\n";
}

std::optional<BucketCounts> message_seconds(const std::string& text) {
  return parse_histogram(text, "messenger_message_seconds");
}

/// The message histogram of two pages, and the quantiles of what it counted between them.
struct Between {
  std::optional<BucketCounts> before;
  std::optional<BucketCounts> after;

  [[nodiscard]] bool parsed() const { return before && after; }
  [[nodiscard]] double quantile(double q) const {
    const auto value = quantile_between(*before, *after, q);
    EXPECT_TRUE(value.has_value()) << "no quantile " << q;
    return value.value_or(-1);
  }
};

Between between(const std::string& before, const std::string& after) {
  return {message_seconds(before), message_seconds(after)};
}

TEST(MetricsText, ReadsOneHistogramsBucketsAndNoOther) {
  const auto buckets = message_seconds(page(1, 2, 3, 4));
  ASSERT_TRUE(buckets.has_value());
  EXPECT_EQ(buckets->cumulative, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  ASSERT_EQ(buckets->upper_bounds.size(), 4U);
  EXPECT_DOUBLE_EQ(buckets->upper_bounds[1], 0.002);
  EXPECT_TRUE(std::isinf(buckets->upper_bounds[3]));
  EXPECT_FALSE(parse_histogram(page(1, 2, 3, 4), "messenger_sync_seconds").has_value());
  EXPECT_FALSE(message_seconds("messenger_message_seconds_bucket{le=\"x\"} 1\n").has_value());
}

TEST(MetricsText, QuantilesCountOnlyWhatHappenedBetweenTheSamples) {
  // After 100 observations: 50 under 1 ms, 40 in (1, 2] ms, 9 in (2, 5] ms, 1 above.
  const auto window = between(page(100, 100, 100, 100), page(150, 190, 199, 200));
  ASSERT_TRUE(window.parsed());
  EXPECT_DOUBLE_EQ(window.quantile(0.25), 0.0005);
  EXPECT_DOUBLE_EQ(window.quantile(0.5), 0.001);
  EXPECT_DOUBLE_EQ(window.quantile(0.7), 0.0015);
  EXPECT_NEAR(window.quantile(0.99), 0.005, 1e-12);
  EXPECT_DOUBLE_EQ(window.quantile(0.999), 0.005);  // in +Inf
}

TEST(MetricsText, NoQuantileWithoutObservationsOrAcrossARestart) {
  const auto a = message_seconds(page(5, 6, 7, 8));
  const auto restarted = message_seconds(page(1, 1, 1, 1));
  ASSERT_TRUE(a && restarted);
  EXPECT_FALSE(quantile_between(*a, *a, 0.5).has_value());
  EXPECT_FALSE(quantile_between(*a, *restarted, 0.5).has_value());
}

TEST(MetricsText, NoQuantileAcrossDifferentBoundsNorFromAPageWithoutInf) {
  const auto a = message_seconds(page(1, 2, 3, 4));
  auto other = message_seconds(page(1, 2, 3, 5));
  ASSERT_TRUE(a && other);
  other->upper_bounds[0] = 0.0005;
  EXPECT_FALSE(quantile_between(*a, *other, 0.5).has_value());
  EXPECT_FALSE(message_seconds("messenger_message_seconds_bucket{le=\"0.001\"} 1\n").has_value());
}

TEST(MetricsText, AQuantileOnTheEdgeOfAnEmptyBucketIsThatEdge) {
  // 10 under 1 ms, none in (1, 2] ms, 10 in (2, 5] ms.
  const auto window = between(page(0, 0, 0, 0), page(10, 10, 20, 20));
  ASSERT_TRUE(window.parsed());
  EXPECT_DOUBLE_EQ(window.quantile(0.5), 0.001);
  EXPECT_DOUBLE_EQ(window.quantile(0.75), 0.0035);
}

}  // namespace
}  // namespace messenger::bench
