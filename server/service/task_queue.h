#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace messenger::service {

/// Multi-producer queue of work for the single service thread. The consumer takes everything
/// waiting at once (up to a bound), which is what makes group commit natural.
class TaskQueue {
 public:
  using Task = std::function<void()>;

  void push(Task task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }

  /// Blocks until work is queued or close() was called; returns up to `max` tasks (empty only
  /// after close() with nothing left).
  std::vector<Task> take(std::size_t max) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !tasks_.empty() || closed_; });
    return take_locked(max);
  }

  /// Returns up to `max` tasks without waiting.
  std::vector<Task> try_take(std::size_t max) {
    std::lock_guard lock(mutex_);
    return take_locked(max);
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
  }

 private:
  std::vector<Task> take_locked(std::size_t max) {
    std::vector<Task> out;
    const std::size_t n = std::min(max, tasks_.size());
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::move(tasks_.front()));
      tasks_.pop_front();
    }
    return out;
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> tasks_;
  bool closed_ = false;
};

}  // namespace messenger::service
