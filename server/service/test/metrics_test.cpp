#include "metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace messenger::service {
namespace {

TEST(HistogramTest, AValueOnABoundCountsInThatBucketAndAboveAllInInf) {
  Histogram histogram({1, 2});
  histogram.observe(0.5);
  histogram.observe(2);
  histogram.observe(3);
  std::string out;
  histogram.render(out, "h", "help");
  EXPECT_NE(out.find("h_bucket{le=\"1\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("h_bucket{le=\"2\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("h_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("h_sum 5.5\nh_count 3\n"), std::string::npos) << out;
}

TEST(HistogramTest, MetricsRenderEveryBucketOfTheMessageTime) {
  const std::string out = Metrics().render();
  // 19 bounds and +Inf; 2 ms is one of them, for a latency objective.
  std::size_t buckets = 0;
  for (auto at = out.find("messenger_message_seconds_bucket{"); at != std::string::npos;
       at = out.find("messenger_message_seconds_bucket{", at + 1)) {
    ++buckets;
  }
  EXPECT_EQ(buckets, 20U);
  EXPECT_NE(out.find("messenger_message_seconds_bucket{le=\"0.002\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace messenger::service
