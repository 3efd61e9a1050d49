#include "commit_window.h"

namespace messenger::service {

std::chrono::microseconds CommitWindow::wait_before(std::size_t tasks, Clock::time_point now) {
  const bool busy = last_take_.has_value() && now - *last_take_ < 2 * window_;
  last_take_ = now;
  if (window_.count() <= 0 || tasks >= kEnoughTasks || !busy) return std::chrono::microseconds(0);
  return window_;
}

}  // namespace messenger::service
