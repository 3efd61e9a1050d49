#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "messenger/storage/store.h"

namespace messenger::service {

/// A Prometheus histogram with fixed upper bounds; lock-free to observe.
class Histogram {
 public:
  /// `upper_bounds` ascending; +Inf is implied.
  explicit Histogram(std::vector<double> upper_bounds)
      : bounds_(std::move(upper_bounds)),
        counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}
  void observe(double value);
  /// Appends the _bucket, _sum and _count lines for `name`.
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

/// Counters and histograms of one server process, rendered at GET /metrics. Owned by main and
/// passed by reference to the layers that count.
class Metrics {
 public:
  Metrics();

  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_closed_slow{0};
  std::atomic<std::uint64_t> logins_ok{0};
  std::atomic<std::uint64_t> logins_failed{0};
  std::atomic<std::uint64_t> resumes_ok{0};
  std::atomic<std::uint64_t> requests_total{0};
  std::atomic<std::uint64_t> request_errors_total{0};
  std::atomic<std::uint64_t> rate_limited_total{0};
  std::atomic<std::uint64_t> messages_received{0};   // stored and acknowledged
  std::atomic<std::uint64_t> messages_delivered{0};  // frames of message.new queued to sessions
  std::atomic<std::uint64_t> commits_failed{0};
  Histogram commit_batch_size;  // requests per group commit
  Histogram commit_seconds;     // duration of one commit
  Histogram sync_seconds;       // duration of one disk sync after commits (off the service thread)
  Histogram service_queue_depth;  // tasks waiting when a batch starts
  /// A stored message's time in the server: from the IO thread having read its msg.send frame
  /// to its acknowledgement and deliveries being handed back to the IO threads, once durable.
  /// Not in it: waiting to be read, and the writes after the hand-back.
  Histogram message_seconds;
  /// The store's own counters, rendered after these; set before the server starts.
  std::function<std::vector<storage::StoreCounter>()> store_counters;

  /// Prometheus text exposition format, version 0.0.4.
  [[nodiscard]] std::string render() const;
};

}  // namespace messenger::service
