#include "steps.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace messenger::bench {
namespace {

TEST(RateList, ParsesPlainNumbersAndThousands) {
  std::vector<double> rates;
  std::string error;
  ASSERT_TRUE(parse_rate_list("1000,2000,5k,10K,2.5k,750.5", rates, error)) << error;
  EXPECT_EQ(rates, (std::vector<double>{1000, 2000, 5000, 10000, 2500, 750.5}));
  ASSERT_TRUE(parse_rate_list("300", rates, error)) << error;
  EXPECT_EQ(rates, (std::vector<double>{300}));
}

TEST(RateList, RejectsEmptyZeroNegativeAndJunkWithTheItemInTheMessage) {
  for (const char* text :
       {"", "1000,", ",1000", "1000,,2000", "0", "-5", "1000,abc", "5m", "k", "1e3x"}) {
    std::vector<double> rates{1};
    std::string error;
    EXPECT_FALSE(parse_rate_list(text, rates, error)) << text;
    EXPECT_TRUE(rates.empty()) << text;
    EXPECT_NE(error.find("not a positive rate"), std::string::npos) << error;
  }
  std::vector<double> rates;
  std::string error;
  EXPECT_FALSE(parse_rate_list("1000,abc,3000", rates, error));
  EXPECT_NE(error.find("'abc'"), std::string::npos) << error;
}

TEST(Saturation, KeepingUpIsNotSaturated) {
  EXPECT_EQ(saturation_reason({1000, 1000, 5'000'000, 0}), "");
  // Exactly 90% and exactly 1 s are still within bounds.
  EXPECT_EQ(saturation_reason({1000, 900, 1'000'000'000, 0}), "");
}

TEST(Saturation, TooFewDeliveriesSaturates) {
  const std::string reason = saturation_reason({50000, 44000, 2'000'000, 0});
  EXPECT_NE(reason.find("delivered 44000/s < 90% of offered 50000/s"), std::string::npos) << reason;
  EXPECT_NE(saturation_reason({1000, 0, 0, 0}), "");
}

TEST(Saturation, SlowP99Saturates) {
  EXPECT_EQ(saturation_reason({1000, 1000, 1'500'000'000, 0}), "p99 1500ms > 1000ms");
}

TEST(Saturation, ErrorsEndTheSteps) {
  EXPECT_EQ(saturation_reason({1000, 1000, 1'000'000, 3}), "3 errors");
}

TEST(Saturation, RuleIsConfigurable) {
  const SaturationRule strict{0.99, 10'000'000};
  EXPECT_NE(saturation_reason({1000, 980, 1'000'000, 0}, strict), "");
  EXPECT_NE(saturation_reason({1000, 1000, 20'000'000, 0}, strict), "");
  EXPECT_EQ(saturation_reason({1000, 995, 9'000'000, 0}, strict), "");
}

TEST(PerEvent, RatesAndCpuCostsGuardEmptyInputs) {
  EXPECT_DOUBLE_EQ(per_second(500, 2'000'000'000), 250);
  EXPECT_DOUBLE_EQ(per_second(500, 0), 0);
  EXPECT_DOUBLE_EQ(cpu_us_per(3'000'000, 1000), 3);
  EXPECT_DOUBLE_EQ(cpu_us_per(3'000'000, 0), 0);
}

}  // namespace
}  // namespace messenger::bench
