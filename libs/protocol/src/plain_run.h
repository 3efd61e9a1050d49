#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace messenger::protocol::detail {

/// Bytes a JSON string scan can skip without looking at them one by one: printable ASCII other
/// than '"' and '\\' (no escape, no control character, no multi-byte UTF-8 sequence).
///
/// Why: message texts are nearly all such bytes, and a byte loop costs ~15 instructions per byte
/// (a third of the IO thread's parse of a msg.send); this tests eight bytes at a time.
inline constexpr std::size_t kPlainBlock = 8;

/// Whether the 8 bytes at `p` are all plain (see above).
inline bool plain_block(const char* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // A byte of v is zero exactly when (v - 1) & ~v has its top bit set; looking at all eight at
  // once, the result is non-zero exactly when some byte is zero (a borrow only ever runs from a
  // byte that is itself zero).
  const auto has_zero = [](std::uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  if ((w & kHigh) != 0) return false;                        // a byte >= 0x80
  if (((w - kOnes * 0x20) & ~w & kHigh) != 0) return false;  // a byte < 0x20 (all are < 0x80)
  return !has_zero(w ^ (kOnes * '"')) && !has_zero(w ^ (kOnes * '\\'));
}

/// The end of the run of whole plain blocks in `s` from `i`: the first position at or after `i`
/// where fewer than 8 bytes remain or the next 8 are not all plain.
inline std::size_t skip_plain_blocks(std::string_view s, std::size_t i) {
  while (s.size() - i >= kPlainBlock && plain_block(s.data() + i)) i += kPlainBlock;
  return i;
}

}  // namespace messenger::protocol::detail
