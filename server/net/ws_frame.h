#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace messenger::net {

/// The longest header of a server-to-client text frame: 2 bytes, then a 64-bit length.
inline constexpr std::size_t kMaxTextFrameHeader = 10;

/// The header of a server-to-client text frame, kept beside its payload so that the two leave in
/// one gather write without copying the payload.
struct TextFrameHeader {
  std::array<char, kMaxTextFrameHeader> bytes{};
  std::size_t size = 0;
};

/// The header of one complete server-to-client WebSocket text frame (RFC 6455 section 5.2: FIN
/// set, opcode 1, no mask, no extension) carrying `payload_size` bytes.
TextFrameHeader text_frame_header(std::size_t payload_size);

/// Appends one complete server-to-client WebSocket text frame carrying `payload` to `out`. The
/// session writes its frames this way so that a burst of them leaves in one write;
/// permessage-deflate is never negotiated, so no frame needs more than this header.
void append_text_frame(std::string& out, std::string_view payload);

/// The size append_text_frame adds for a payload of `payload_size` bytes.
std::size_t text_frame_size(std::size_t payload_size);

}  // namespace messenger::net
