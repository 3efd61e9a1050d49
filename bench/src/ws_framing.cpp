#include "ws_framing.h"

#include <array>
#include <cstring>

namespace messenger::bench::ws {
namespace {

constexpr unsigned kFin = 0x80;
constexpr unsigned kReservedBits = 0x70;
constexpr unsigned kOpcodeBits = 0x0F;
constexpr unsigned kMaskBit = 0x80;
constexpr unsigned kLengthBits = 0x7F;
constexpr unsigned kLength16 = 126;
constexpr unsigned kLength64 = 127;
constexpr std::uint64_t kMaxControlPayload = 125;

bool is_known(unsigned opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::continuation:
    case Opcode::text:
    case Opcode::binary:
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong:
      return true;
  }
  return false;
}

std::uint64_t read_big_endian(std::string_view bytes, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i)
    value = (value << 8U) | static_cast<unsigned char>(bytes[i]);
  return value;
}

void append_big_endian(std::string& out, std::uint64_t value, std::size_t count) {
  for (std::size_t i = count; i-- > 0;)
    out.push_back(static_cast<char>((value >> (8U * i)) & 0xFFU));
}

}  // namespace

HeaderStatus read_server_header(std::string_view bytes, FrameHeader& header, std::string& error) {
  if (bytes.size() < 2) return HeaderStatus::incomplete;
  const auto first = static_cast<unsigned char>(bytes[0]);
  const auto second = static_cast<unsigned char>(bytes[1]);
  if ((first & kReservedBits) != 0) {
    error = "a frame with a reserved bit set (no extension was negotiated)";
    return HeaderStatus::invalid;
  }
  const unsigned opcode = first & kOpcodeBits;
  if (!is_known(opcode)) {
    error = "a frame with the reserved opcode " + std::to_string(opcode);
    return HeaderStatus::invalid;
  }
  if ((second & kMaskBit) != 0) {
    error = "a masked frame from the server";
    return HeaderStatus::invalid;
  }
  header.fin = (first & kFin) != 0;
  header.opcode = static_cast<Opcode>(opcode);
  const unsigned length = second & kLengthBits;
  std::size_t extra = 0;
  if (length == kLength16) extra = 2;
  if (length == kLength64) extra = 8;
  if (bytes.size() < 2 + extra) return HeaderStatus::incomplete;
  header.header_bytes = 2 + extra;
  header.payload_bytes = extra == 0 ? length : read_big_endian(bytes.substr(2), extra);
  if ((header.payload_bytes >> 63U) != 0) {
    error = "a frame length above 2^63";
    return HeaderStatus::invalid;
  }
  if (header.is_control() && (!header.fin || header.payload_bytes > kMaxControlPayload)) {
    error = "a control frame that is fragmented or longer than 125 bytes";
    return HeaderStatus::invalid;
  }
  return HeaderStatus::complete;
}

void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key) {
  out.push_back(static_cast<char>(kFin | static_cast<unsigned>(opcode)));
  const std::size_t size = payload.size();
  if (size < kLength16) {
    out.push_back(static_cast<char>(kMaskBit | size));
  } else if (size <= 0xFFFF) {
    out.push_back(static_cast<char>(kMaskBit | kLength16));
    append_big_endian(out, size, 2);
  } else {
    out.push_back(static_cast<char>(kMaskBit | kLength64));
    append_big_endian(out, size, 8);
  }
  std::array<char, 4> key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<char>((mask_key >> (8U * (3 - i))) & 0xFFU);
  }
  out.append(key.data(), key.size());
  const std::size_t at = out.size();
  out.resize(at + size);
  char* masked = out.data() + at;
  // Eight bytes at a time: the key repeats every four, so it repeats every eight too.
  std::uint64_t wide_key = 0;
  for (std::size_t i = 0; i < sizeof wide_key; ++i) {
    std::memcpy(reinterpret_cast<char*>(&wide_key) + i, &key[i % key.size()], 1);
  }
  std::size_t i = 0;
  for (; i + sizeof wide_key <= size; i += sizeof wide_key) {
    std::uint64_t chunk = 0;
    std::memcpy(&chunk, payload.data() + i, sizeof chunk);
    chunk ^= wide_key;
    std::memcpy(masked + i, &chunk, sizeof chunk);
  }
  for (; i < size; ++i) masked[i] = static_cast<char>(payload[i] ^ key[i % key.size()]);
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string payload;
  append_big_endian(payload, code, 2);
  payload.append(reason);
  return payload;
}

std::string describe_close(std::string_view payload) {
  if (payload.size() < 2) return "no status";
  std::string text = std::to_string(read_big_endian(payload, 2));
  if (payload.size() > 2) text.append(" ").append(payload.substr(2));
  return text;
}

}  // namespace messenger::bench::ws
