#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace messenger::service {

/// Whether the service thread waits a moment for more requests before it runs a small batch.
///
/// Every batch costs a commit, a disk sync and a hand-off to the IO threads, and each of those
/// wakes a thread. When requests arrive one at a time but often (10,000 msg/s from independent
/// clients), each batch held one message and those wake-ups were most of its cost: ~80 µs of
/// server CPU per message, against ~40 when messages came in bursts (docs/benchmarks.md, stop
/// 14). Waiting up to `window` lets the ones that arrive meanwhile share the batch, like
/// PostgreSQL's commit_delay. It waits only when requests have been arriving at least one per
/// window on average, so that one more is expected within it: at a low rate nobody would come,
/// and the wait would only add latency.
class CommitWindow {
 public:
  using Clock = std::chrono::steady_clock;
  /// A batch this large needs no company: under such a load batches form by themselves.
  static constexpr std::size_t kEnoughTasks = 8;

  /// `window` zero never waits.
  explicit CommitWindow(std::chrono::microseconds window) : window_(window) {}

  /// Called with each batch as it is taken: how long to wait before running it (zero: run it).
  [[nodiscard]] std::chrono::microseconds wait_before(std::size_t tasks, Clock::time_point now);

 private:
  std::chrono::microseconds window_;
  std::optional<Clock::time_point> last_take_;
  /// Seconds between two requests, averaged over the last batches (the time since the batch
  /// before, over the batch's tasks); negative until the second batch.
  double gap_ = -1;
};

}  // namespace messenger::service
