#include "client_msg_ids.h"

#include <array>

namespace messenger::bench {
namespace {

/// Writes the `digits` low hex digits of `value` at `out`, most significant first.
char* put_hex(char* out, std::uint64_t value, int digits) {
  static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xfU];
    value >>= 4U;
  }
  return out + digits;
}

}  // namespace

void ClientMsgIds::append_next(std::string& out, std::int64_t unix_ms) {
  const auto time = static_cast<std::uint64_t>(unix_ms) & 0xffffffffffffULL;
  // rand_a (12 bits) and the 14 bits after the variant carry the client's number; node (48
  // bits) the process's nonce and the counter.
  const std::uint64_t rand_a = client_number_ >> 14U;
  const std::uint64_t clock = 0x8000U | (client_number_ & 0x3fffU);
  const std::uint64_t node = (std::uint64_t{process_nonce_} << 24U) | (counter_++ & 0xffffffU);
  std::array<char, 36> id{};
  char* at = put_hex(id.data(), time >> 16U, 8);
  *at++ = '-';
  at = put_hex(at, time & 0xffffU, 4);
  *at++ = '-';
  at = put_hex(at, 0x7000U | rand_a, 4);
  *at++ = '-';
  at = put_hex(at, clock, 4);
  *at++ = '-';
  put_hex(at, node, 12);
  out.append(id.data(), id.size());
}

}  // namespace messenger::bench
