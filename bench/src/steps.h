#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace messenger::bench {

/// Parses a list of offered rates in msg/s, e.g. "1000,2000,5k,10k" (a `k` multiplies by
/// 1,000). Every rate must be positive. Returns false and sets `error` otherwise.
bool parse_rate_list(std::string_view text, std::vector<double>& rates, std::string& error);

/// What one rate step measured, as far as the decision to go on needs it. Deliveries count every
/// receipt: for a 1:1 chat one per message, for a channel one per receiving member.
struct StepOutcome {
  double offered_deliveries_per_s = 0;  // offered msg/s × receivers per message
  double delivered_per_s = 0;           // deliveries received inside the window, per second
  std::uint64_t delivery_p99_ns = 0;
  std::uint64_t errors = 0;
};

/// When a step counts as saturated (issue 5): less than `min_delivered_fraction` of the offered
/// deliveries arrived, or the 99th percentile of delivery latency is above `max_p99_ns`. Errors
/// (lost connections, refused sends) end the stepping as well: the next step would measure a
/// broken setup.
struct SaturationRule {
  double min_delivered_fraction = 0.9;
  std::uint64_t max_p99_ns = 1'000'000'000;
};

/// Why the step saturated, in words for the summary line; empty when it kept up.
std::string saturation_reason(const StepOutcome& step, const SaturationRule& rule = {});

/// `count` events over `ns` nanoseconds, per second (0 for an empty interval).
double per_second(std::uint64_t count, std::int64_t ns);

/// CPU time spent per event, in microseconds (0 without events).
double cpu_us_per(std::int64_t cpu_ns, std::uint64_t events);

}  // namespace messenger::bench
