#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace messenger::bench {

namespace {
constexpr std::uint64_t kLinear = std::uint64_t{1} << Histogram::kSubBits;
constexpr int kHalf = 1 << (Histogram::kSubBits - 1);
}  // namespace

int Histogram::bucket_of(std::uint64_t value) {
  if (value < kLinear) return static_cast<int>(value);
  const int shift = std::bit_width(value) - kSubBits;
  return shift * kHalf + static_cast<int>(value >> shift);
}

std::uint64_t Histogram::bucket_low(int bucket) {
  if (bucket < static_cast<int>(kLinear)) return static_cast<std::uint64_t>(bucket);
  const int shift = bucket / kHalf - 1;
  const auto mantissa = static_cast<std::uint64_t>(bucket - shift * kHalf);
  return mantissa << shift;
}

std::uint64_t Histogram::bucket_high(int bucket) {
  if (bucket < static_cast<int>(kLinear)) return static_cast<std::uint64_t>(bucket);
  const int shift = bucket / kHalf - 1;
  return bucket_low(bucket) + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::record(std::uint64_t value) {
  ++buckets_[static_cast<std::size_t>(bucket_of(value))];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<std::size_t>(b)];
    if (seen >= rank) {
      const std::uint64_t low = bucket_low(b);
      const std::uint64_t mid = low + (bucket_high(b) - low) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace messenger::bench
