#pragma once

#include <array>
#include <cstdint>

namespace messenger::bench {

/// A latency histogram with log-linear buckets (HDR-style): 64 sub-buckets per power of two, so
/// every recorded value is known within 1/64 (1.6%) of itself, from 1 ns to centuries, in a fixed
/// 30 KiB array. Recording is a few instructions and never allocates.
class Histogram {
 public:
  void record(std::uint64_t value);
  void merge(const Histogram& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  [[nodiscard]] double mean() const;
  /// The value below which a fraction `q` (0..1) of the samples lie; 0 when empty. Reported as
  /// the middle of its bucket, clamped to [min, max].
  [[nodiscard]] std::uint64_t percentile(double q) const;

  static constexpr int kSubBits = 7;  // 2^7 linear values, then 2^6 sub-buckets per octave
  static constexpr int kBuckets = (64 - kSubBits + 2) << (kSubBits - 1);

  [[nodiscard]] static int bucket_of(std::uint64_t value);
  [[nodiscard]] static std::uint64_t bucket_low(int bucket);
  [[nodiscard]] static std::uint64_t bucket_high(int bucket);

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace messenger::bench
