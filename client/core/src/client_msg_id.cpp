#include "client_msg_id.h"

#include <array>
#include <cstring>

namespace messenger::client::detail {

std::string new_client_msg_id(std::int64_t unix_ms, QRandomGenerator& random) {
  std::array<unsigned char, 16> bytes{};
  const auto time = static_cast<std::uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(time >> (8 * (5 - i)));
  std::array<quint32, 2> rand_b{};
  random.fillRange(rand_b.data(), rand_b.size());
  std::memcpy(bytes.data() + 8, rand_b.data(), sizeof rand_b);
  const quint32 rand_a = random.generate();
  bytes[6] = static_cast<unsigned char>(0x70 | ((rand_a >> 8) & 0x0f));  // version 7
  bytes[7] = static_cast<unsigned char>(rand_a & 0xff);
  bytes[8] = static_cast<unsigned char>(0x80 | (bytes[8] & 0x3f));  // variant 10 (RFC 9562)

  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[bytes[i] >> 4]);
    id.push_back(kHex[bytes[i] & 0x0f]);
  }
  return id;
}

}  // namespace messenger::client::detail
