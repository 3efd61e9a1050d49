#include "commit_window.h"

#include <gtest/gtest.h>

#include <chrono>

namespace messenger::service {
namespace {

using std::chrono::microseconds;
using Clock = CommitWindow::Clock;

constexpr microseconds kWindow{200};

TEST(CommitWindowTest, TheFirstBatchRunsAtOnce) {
  CommitWindow window(kWindow);
  EXPECT_EQ(window.wait_before(1, Clock::time_point{} + microseconds(1'000'000)), microseconds(0));
}

TEST(CommitWindowTest, ASmallBatchWaitsWhileRequestsKeepComing) {
  CommitWindow window(kWindow);
  auto now = Clock::time_point{} + microseconds(1'000'000);
  (void)window.wait_before(1, now);
  // 10,000 msg/s arriving one at a time: a batch every ~100-300 µs.
  for (int i = 0; i < 5; ++i) {
    now += microseconds(300);
    EXPECT_EQ(window.wait_before(2, now), kWindow) << "batch " << i;
  }
}

TEST(CommitWindowTest, ALargeBatchRunsAtOnce) {
  CommitWindow window(kWindow);
  auto now = Clock::time_point{} + microseconds(1'000'000);
  (void)window.wait_before(1, now);
  now += microseconds(100);
  EXPECT_EQ(window.wait_before(CommitWindow::kEnoughTasks, now), microseconds(0));
  now += microseconds(100);
  EXPECT_EQ(window.wait_before(CommitWindow::kEnoughTasks - 1, now), kWindow);
}

TEST(CommitWindowTest, AtALowRateNobodyIsWaitedFor) {
  CommitWindow window(kWindow);
  auto now = Clock::time_point{} + microseconds(1'000'000);
  (void)window.wait_before(1, now);
  // 1,000 msg/s: a batch every millisecond, more than two windows apart.
  for (int i = 0; i < 5; ++i) {
    now += microseconds(1'000);
    EXPECT_EQ(window.wait_before(1, now), microseconds(0)) << "batch " << i;
  }
  // Exactly two windows apart is not busy either.
  now += 2 * kWindow;
  EXPECT_EQ(window.wait_before(1, now), microseconds(0));
}

TEST(CommitWindowTest, AZeroWindowNeverWaits) {
  CommitWindow window(microseconds(0));
  auto now = Clock::time_point{} + microseconds(1'000'000);
  for (int i = 0; i < 5; ++i) {
    now += microseconds(10);
    EXPECT_EQ(window.wait_before(1, now), microseconds(0));
  }
}

}  // namespace
}  // namespace messenger::service
