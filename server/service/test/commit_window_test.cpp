#include "commit_window.h"

#include <gtest/gtest.h>

#include <chrono>

namespace messenger::service {
namespace {

using std::chrono::microseconds;
using Clock = CommitWindow::Clock;

constexpr microseconds kWindow{200};

Clock::time_point start() {
  return Clock::time_point{} + microseconds(1'000'000);
}

TEST(CommitWindowTest, TheFirstBatchRunsAtOnce) {
  CommitWindow window(kWindow);
  EXPECT_EQ(window.wait_before(1, start()), microseconds(0));
}

TEST(CommitWindowTest, ASmallBatchWaitsWhileRequestsKeepComingFast) {
  CommitWindow window(kWindow);
  auto now = start();
  (void)window.wait_before(1, now);
  // 10,000 msg/s arriving one at a time: a request every 100 µs, then batches of ~3 every
  // ~300 µs once they wait.
  now += microseconds(100);
  EXPECT_EQ(window.wait_before(1, now), kWindow);
  for (int i = 0; i < 5; ++i) {
    now += microseconds(300);
    EXPECT_EQ(window.wait_before(3, now), kWindow) << "batch " << i;
  }
}

TEST(CommitWindowTest, ALargeBatchRunsAtOnce) {
  CommitWindow window(kWindow);
  auto now = start();
  (void)window.wait_before(1, now);
  now += microseconds(100);
  EXPECT_EQ(window.wait_before(CommitWindow::kEnoughTasks, now), microseconds(0));
  now += microseconds(100);
  EXPECT_EQ(window.wait_before(CommitWindow::kEnoughTasks - 1, now), kWindow);
}

TEST(CommitWindowTest, AtALowRateNobodyIsWaitedFor) {
  CommitWindow window(kWindow);
  auto now = start();
  (void)window.wait_before(1, now);
  // 1,000 msg/s: one request per millisecond, 0.2 expected within a window.
  for (int i = 0; i < 10; ++i) {
    now += microseconds(1'000);
    EXPECT_EQ(window.wait_before(1, now), microseconds(0)) << "batch " << i;
  }
  // Two requests that happen to come 100 µs apart do not make it wait: the rate is an average.
  now += microseconds(100);
  EXPECT_EQ(window.wait_before(1, now), microseconds(0));
  now += microseconds(1'000);
  EXPECT_EQ(window.wait_before(1, now), microseconds(0));
}

TEST(CommitWindowTest, ItStopsWaitingWhenTheRequestsSlowDown) {
  CommitWindow window(kWindow);
  auto now = start();
  (void)window.wait_before(1, now);
  for (int i = 0; i < 10; ++i) {
    now += microseconds(300);
    EXPECT_EQ(window.wait_before(3, now), kWindow);
  }
  int waited = 0;
  for (int i = 0; i < 40; ++i) {
    now += microseconds(2'000);
    waited += window.wait_before(1, now) == kWindow ? 1 : 0;
  }
  EXPECT_LT(waited, 15) << "still waiting at 500 requests/s";
  EXPECT_EQ(window.wait_before(1, now + microseconds(2'000)), microseconds(0));
}

TEST(CommitWindowTest, AZeroWindowNeverWaits) {
  CommitWindow window(microseconds(0));
  auto now = start();
  for (int i = 0; i < 5; ++i) {
    now += microseconds(10);
    EXPECT_EQ(window.wait_before(1, now), microseconds(0));
  }
}

}  // namespace
}  // namespace messenger::service
