#pragma once

// Reading a histogram out of the server's /metrics (Prometheus text format), so that the
// benchmark can report the server's own view of a message's latency beside the end-to-end one,
// which also holds the generator's lateness and the kernel's scheduling on a shared machine.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace messenger::bench {

/// A Prometheus histogram's cumulative bucket counts, by upper bound; +Inf last.
struct BucketCounts {
  std::vector<double> upper_bounds;
  std::vector<std::uint64_t> cumulative;
};

/// The `name` histogram's buckets in a /metrics page; nullopt when the page has none.
std::optional<BucketCounts> parse_histogram(std::string_view text, std::string_view name);

/// The q-quantile (0 < q < 1) of the observations made between two samples of one histogram,
/// interpolated within its bucket as Prometheus' histogram_quantile() does: a quantile in the
/// +Inf bucket is the highest finite bound. nullopt without observations, when the bounds differ,
/// or when a bucket went down (the server restarted in between; a restart whose new counts
/// already passed the old ones goes unnoticed).
std::optional<double> quantile_between(const BucketCounts& before, const BucketCounts& after,
                                       double q);

}  // namespace messenger::bench
