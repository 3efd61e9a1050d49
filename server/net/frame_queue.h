#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace messenger::net {

/// A first-in first-out queue that holds no memory while it is empty. Each WebSocket session
/// keeps one for its outgoing frames, and a session spends nearly all of its life with nothing
/// queued: std::deque would hold its map and a 512-byte block per connection even when empty
/// (~600 bytes per idle connection). An element pushed into an empty queue is held inline, so
/// that the common case, one frame for an idle connection, allocates nothing either. The others
/// live in a vector from `head_` on; popping moves `head_`, and the consumed prefix is dropped
/// once it is at least half of the vector (amortised O(1) per element). When the last element
/// leaves, the vector's memory is released.
template <typename T>
class FrameQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return !has_first_ && head_ == items_.size(); }
  [[nodiscard]] std::size_t size() const noexcept {
    return (has_first_ ? 1 : 0) + items_.size() - head_;
  }

  /// The i-th waiting element, 0 being the front.
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept {
    if (has_first_) {
      if (i == 0) return first_;
      --i;
    }
    return items_[head_ + i];
  }
  [[nodiscard]] const T& front() const noexcept { return has_first_ ? first_ : items_[head_]; }

  void push_back(T item) {
    if (empty()) {
      first_ = std::move(item);
      has_first_ = true;
    } else {
      items_.push_back(std::move(item));
    }
  }

  void pop_front() {
    if (has_first_) {
      first_ = T();  // let go of what the element holds now
      has_first_ = false;
      return;
    }
    items_[head_] = T();  // likewise, not at the next compaction
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  /// Drops every element and releases the memory.
  void clear() noexcept {
    first_ = T();
    has_first_ = false;
    std::vector<T>().swap(items_);
    head_ = 0;
  }

  /// Bytes held on the heap by the queue itself (not by its elements); 0 when empty.
  [[nodiscard]] std::size_t capacity_bytes() const noexcept {
    return items_.capacity() * sizeof(T);
  }

 private:
  T first_{};  // the front element when has_first_; it was pushed into an empty queue
  bool has_first_ = false;
  std::vector<T> items_;  // the elements after first_ (all of them when !has_first_)
  std::size_t head_ = 0;  // index of the front element in items_
};

}  // namespace messenger::net
