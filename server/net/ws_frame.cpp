#include "ws_frame.h"

#include <cstdint>

namespace messenger::net {
namespace {

constexpr unsigned char kFinText = 0x81;  // FIN, opcode 1 (text)
constexpr unsigned char kLength16 = 126;  // the length follows in 2 bytes, network order
constexpr unsigned char kLength64 = 127;  // the length follows in 8 bytes, network order
constexpr std::size_t kMaxLength7 = 125;

/// Bytes of the extended payload length after the two fixed header bytes (RFC 6455 section
/// 5.2): none up to 125, 16 bits up to 65,535, else 64 bits. The one place that decides it.
std::size_t extended_length_bytes(std::size_t payload_size) {
  return payload_size <= kMaxLength7 ? 0 : payload_size <= 0xFFFF ? 2 : 8;
}

}  // namespace

std::size_t text_frame_size(std::size_t payload_size) {
  return 2 + extended_length_bytes(payload_size) + payload_size;
}

TextFrameHeader text_frame_header(std::size_t payload_size) {
  const std::uint64_t size = payload_size;
  const std::size_t extended = extended_length_bytes(payload_size);
  TextFrameHeader header;
  header.bytes[header.size++] = static_cast<char>(kFinText);
  if (extended == 0) {
    header.bytes[header.size++] = static_cast<char>(size);
    return header;
  }
  header.bytes[header.size++] = static_cast<char>(extended == 2 ? kLength16 : kLength64);
  for (int shift = static_cast<int>(extended - 1) * 8; shift >= 0; shift -= 8) {
    header.bytes[header.size++] = static_cast<char>((size >> shift) & 0xFF);
  }
  return header;
}

void append_text_frame(std::string& out, std::string_view payload) {
  const TextFrameHeader header = text_frame_header(payload.size());
  out.append(header.bytes.data(), header.size);
  out.append(payload);
}

}  // namespace messenger::net
