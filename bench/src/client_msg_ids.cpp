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

void append_uuid(std::string& out, std::uint64_t high, unsigned version, std::uint64_t rand_a,
                 std::uint64_t clock, std::uint64_t node) {
  high &= 0xffffffffffffULL;
  std::array<char, 36> id{};
  char* at = put_hex(id.data(), high >> 16U, 8);
  *at++ = '-';
  at = put_hex(at, high & 0xffffU, 4);
  *at++ = '-';
  at = put_hex(at, (std::uint64_t{version & 0xfU} << 12U) | (rand_a & 0xfffU), 4);
  *at++ = '-';
  at = put_hex(at, 0x8000U | (clock & 0x3fffU), 4);
  *at++ = '-';
  put_hex(at, node & 0xffffffffffffULL, 12);
  out.append(id.data(), id.size());
}

void ClientMsgIds::append_next(std::string& out, std::int64_t unix_ms) {
  // rand_a (12 bits) and the 14 bits after the variant carry the client's number; node (48
  // bits) the process's nonce and the counter.
  append_uuid(out, static_cast<std::uint64_t>(unix_ms), 7, client_number_ >> 14U,
              client_number_ & 0x3fffU,
              (std::uint64_t{process_nonce_} << 24U) | (counter_++ & 0xffffffU));
}

}  // namespace messenger::bench
