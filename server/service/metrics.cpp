#include "metrics.h"

#include <fmt/format.h>

namespace messenger::service {

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + value, std::memory_order_relaxed)) {
  }
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  cumulative += counts_[bounds_.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n{}_count {}\n", name, sum_.load(std::memory_order_relaxed), name,
                     count_.load(std::memory_order_relaxed));
}

Metrics::Metrics()
    : commit_batch_size({1, 4, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384}),
      commit_seconds(
          {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
      sync_seconds(
          {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
      service_queue_depth({0, 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576}),
      // Fine enough around milliseconds for a latency objective (e.g. p99 under 2 ms) to be read
      // off the buckets.
      message_seconds({0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075,
                       0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}) {}

namespace {
void counter(std::string& out, const char* name, const char* help, std::uint64_t value,
             const char* type = "counter") {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}
}  // namespace

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  counter(out, "messenger_connections_open", "WebSocket connections open now.",
          static_cast<std::uint64_t>(std::max<std::int64_t>(0, connections_open.load())), "gauge");
  counter(out, "messenger_connections_total", "WebSocket connections accepted.",
          connections_total.load());
  counter(out, "messenger_connections_closed_slow_total",
          "Connections closed because their send queue went over the bound.",
          connections_closed_slow.load());
  counter(out, "messenger_logins_total", "Successful password logins.", logins_ok.load());
  counter(out, "messenger_logins_failed_total", "Failed or throttled password logins.",
          logins_failed.load());
  counter(out, "messenger_resumes_total", "Successful token resumes.", resumes_ok.load());
  counter(out, "messenger_requests_total", "Requests received.", requests_total.load());
  counter(out, "messenger_request_errors_total", "Requests answered with an error.",
          request_errors_total.load());
  counter(out, "messenger_rate_limited_total", "Requests refused by the per-connection rate limit.",
          rate_limited_total.load());
  counter(out, "messenger_messages_received_total", "Messages stored and acknowledged.",
          messages_received.load());
  counter(out, "messenger_messages_delivered_total", "message.new frames queued to connections.",
          messages_delivered.load());
  counter(out, "messenger_commits_failed_total", "Group commits that failed and were rolled back.",
          commits_failed.load());
  commit_batch_size.render(out, "messenger_commit_batch_size", "Requests per group commit.");
  commit_seconds.render(out, "messenger_commit_seconds", "Duration of one group commit.");
  sync_seconds.render(out, "messenger_sync_seconds",
                      "Duration of one disk sync making the latest group commits durable.");
  service_queue_depth.render(out, "messenger_service_queue_depth",
                             "Tasks waiting when a service batch starts.");
  message_seconds.render(out, "messenger_message_seconds",
                         "Time from a msg.send's arrival to its acknowledgement's release, once "
                         "the message is stored and durable.");
  if (store_counters) {
    for (const auto& store_counter : store_counters()) {
      counter(out, store_counter.name, store_counter.help, store_counter.value,
              store_counter.gauge ? "gauge" : "counter");
    }
  }
  return out;
}

}  // namespace messenger::service
