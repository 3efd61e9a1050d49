#include "metrics_text.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace messenger::bench {
namespace {

std::optional<double> parse_bound(std::string_view text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<BucketCounts> parse_histogram(std::string_view text, std::string_view name) {
  const std::string prefix = std::string(name) + "_bucket{le=\"";
  BucketCounts buckets;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = line.substr(prefix.size());
    const auto close = rest.find("\"} ");
    if (close == std::string_view::npos) return std::nullopt;
    const auto bound = parse_bound(rest.substr(0, close));
    const std::string_view count_text = rest.substr(close + 3);
    std::uint64_t count = 0;
    const auto [ptr, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (!bound || ec != std::errc{} || ptr != count_text.data() + count_text.size()) {
      return std::nullopt;
    }
    buckets.upper_bounds.push_back(*bound);
    buckets.cumulative.push_back(count);
  }
  if (buckets.upper_bounds.empty() || !std::isinf(buckets.upper_bounds.back())) {
    return std::nullopt;
  }
  return buckets;
}

std::optional<double> quantile_between(const BucketCounts& before, const BucketCounts& after,
                                       double q) {
  const std::size_t n = after.upper_bounds.size();
  if (n < 2 || before.upper_bounds != after.upper_bounds) return std::nullopt;
  std::vector<std::uint64_t> delta(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (after.cumulative[i] < before.cumulative[i]) return std::nullopt;
    delta[i] = after.cumulative[i] - before.cumulative[i];
  }
  const std::uint64_t total = delta.back();
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  std::size_t i = 0;
  while (i + 1 < n && static_cast<double>(delta[i]) < rank) ++i;
  if (i + 1 == n) return after.upper_bounds[n - 2];  // in +Inf: the highest finite bound
  const double lower = i == 0 ? 0.0 : after.upper_bounds[i - 1];
  const double below = i == 0 ? 0.0 : static_cast<double>(delta[i - 1]);
  const double in_bucket = static_cast<double>(delta[i]) - below;
  if (in_bucket <= 0) return after.upper_bounds[i];
  return lower + (after.upper_bounds[i] - lower) * (rank - below) / in_bucket;
}

}  // namespace messenger::bench
