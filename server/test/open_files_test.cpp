#include "open_files.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace messenger::server {
namespace {

/// Restores the process's open file limit after a test changed it.
class OpenFileLimitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0); }
  void TearDown() override { ::setrlimit(RLIMIT_NOFILE, &saved_); }

  rlimit saved_{};
};

TEST_F(OpenFileLimitTest, RaisesTheSoftLimitToTheHardLimit) {
  if (saved_.rlim_max == RLIM_INFINITY || saved_.rlim_max < 2) {
    GTEST_SKIP() << "needs a finite hard open file limit above 1";
  }
  rlimit lowered = saved_;
  lowered.rlim_cur = saved_.rlim_max / 2;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  auto raised = raise_open_file_limit();
  ASSERT_TRUE(raised.ok()) << raised.error().message;
  EXPECT_EQ(raised->soft_before, lowered.rlim_cur);
  EXPECT_EQ(raised->soft, saved_.rlim_max);
  EXPECT_EQ(raised->hard, saved_.rlim_max);
  EXPECT_FALSE(raised->hard_unlimited);

  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, saved_.rlim_max);
  EXPECT_EQ(now.rlim_max, saved_.rlim_max);
}

TEST_F(OpenFileLimitTest, LeavesALimitAlreadyAtTheHardLimitAlone) {
  if (saved_.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "needs a finite hard open file limit";
  rlimit full = saved_;
  full.rlim_cur = saved_.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &full), 0);

  auto raised = raise_open_file_limit();
  ASSERT_TRUE(raised.ok()) << raised.error().message;
  EXPECT_EQ(raised->soft_before, saved_.rlim_max);
  EXPECT_EQ(raised->soft, saved_.rlim_max);
}

}  // namespace
}  // namespace messenger::server
