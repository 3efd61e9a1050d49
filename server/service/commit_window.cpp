#include "commit_window.h"

namespace messenger::service {
namespace {

/// Weight of the newest batch in the average: a few batches' worth of memory, so that one short
/// gap between two requests at a low rate does not make the next batch wait.
constexpr double kNewest = 1.0 / 8;

}  // namespace

std::chrono::microseconds CommitWindow::wait_before(std::size_t tasks, Clock::time_point now) {
  if (last_take_ && tasks > 0) {
    // The mean time between requests, not its inverse: with requests at random moments, one
    // very short gap would make a rate average jump.
    const double sample =
        std::chrono::duration<double>(now - *last_take_).count() / static_cast<double>(tasks);
    gap_ = gap_ < 0 ? sample : gap_ + kNewest * (sample - gap_);
  }
  last_take_ = now;
  const bool company_expected = gap_ >= 0 && gap_ <= std::chrono::duration<double>(window_).count();
  if (window_.count() <= 0 || tasks >= kEnoughTasks || !company_expected) {
    return std::chrono::microseconds(0);
  }
  return window_;
}

}  // namespace messenger::service
