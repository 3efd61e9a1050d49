#include "ws_frame.h"

#include <cstdint>

namespace messenger::net {
namespace {

constexpr unsigned char kFinText = 0x81;  // FIN, opcode 1 (text)
constexpr unsigned char kLength16 = 126;  // the length follows in 2 bytes, network order
constexpr unsigned char kLength64 = 127;  // the length follows in 8 bytes, network order
constexpr std::size_t kMaxLength7 = 125;

}  // namespace

std::size_t text_frame_size(std::size_t payload_size) {
  const std::size_t header = payload_size <= kMaxLength7 ? 2 : payload_size <= 0xFFFF ? 4 : 10;
  return header + payload_size;
}

TextFrameHeader text_frame_header(std::size_t payload_size) {
  const std::uint64_t size = payload_size;
  TextFrameHeader header;
  header.bytes[header.size++] = static_cast<char>(kFinText);
  if (size <= kMaxLength7) {
    header.bytes[header.size++] = static_cast<char>(size);
    return header;
  }
  const int bytes = size <= 0xFFFF ? 2 : 8;
  header.bytes[header.size++] = static_cast<char>(bytes == 2 ? kLength16 : kLength64);
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
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
