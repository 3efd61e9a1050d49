#pragma once

#include <chrono>
#include <cstdint>

namespace messenger::core {

/// Milliseconds since the Unix epoch, the unit of every timestamp on the wire and in storage.
using TimestampMs = std::int64_t;

/// Source of time, injected so that tests control expiry, throttling and presence.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall-clock time, for timestamps that people see and that are stored.
  [[nodiscard]] virtual TimestampMs now_ms() const = 0;
  /// Monotonic time, for intervals (rate limits, throttling).
  [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimestampMs now_ms() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
};

/// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimestampMs start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  [[nodiscard]] TimestampMs now_ms() const override { return now_ms_; }
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_));
  }
  void advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

 private:
  TimestampMs now_ms_;
};

}  // namespace messenger::core
