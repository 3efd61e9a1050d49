#include "steps.h"

#include <fmt/format.h>

#include <charconv>

namespace messenger::bench {

bool parse_rate_list(std::string_view text, std::vector<double>& rates, std::string& error) {
  rates.clear();
  while (true) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    double scale = 1;
    if (!item.empty() && (item.back() == 'k' || item.back() == 'K')) {
      scale = 1000;
      item.remove_suffix(1);
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || !(value > 0)) {
      error = fmt::format(
          "'{}' is not a positive rate in msg/s; give a comma-separated list such as "
          "1000,2000,5k",
          text.substr(0, comma));
      rates.clear();
      return false;
    }
    rates.push_back(value * scale);
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

std::string saturation_reason(const StepOutcome& step, const SaturationRule& rule) {
  if (step.errors > 0) return fmt::format("{} errors", step.errors);
  if (step.delivered_per_s < rule.min_delivered_fraction * step.offered_deliveries_per_s) {
    return fmt::format("delivered {:.0f}/s < {:.0f}% of offered {:.0f}/s", step.delivered_per_s,
                       rule.min_delivered_fraction * 100, step.offered_deliveries_per_s);
  }
  if (step.delivery_p99_ns > rule.max_p99_ns) {
    return fmt::format("p99 {:.0f}ms > {:.0f}ms", static_cast<double>(step.delivery_p99_ns) / 1e6,
                       static_cast<double>(rule.max_p99_ns) / 1e6);
  }
  return {};
}

double per_second(std::uint64_t count, std::int64_t ns) {
  return ns > 0 ? static_cast<double>(count) * 1e9 / static_cast<double>(ns) : 0.0;
}

double cpu_us_per(std::int64_t cpu_ns, std::uint64_t events) {
  return events == 0 ? 0.0 : static_cast<double>(cpu_ns) / 1e3 / static_cast<double>(events);
}

}  // namespace messenger::bench
