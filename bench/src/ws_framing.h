#pragma once

// WebSocket framing (RFC 6455 section 5) for the client side of the load generator, after the
// handshake: reading the server's frames and writing masked frames of its own. Beast does the
// handshake; it read and wrote every frame until this replaced it there, because its per-frame
// operations cost the generator as much CPU per fan-out delivery as the server spent.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace messenger::bench::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// The header of one frame from the server.
struct FrameHeader {
  bool fin = false;
  Opcode opcode = Opcode::continuation;
  std::size_t header_bytes = 0;
  std::uint64_t payload_bytes = 0;

  [[nodiscard]] bool is_control() const { return (static_cast<unsigned>(opcode) & 0x8U) != 0; }
};

enum class HeaderStatus : std::uint8_t { complete, incomplete, invalid };

/// Reads the header of the server frame at the start of `bytes`. `incomplete`: more bytes are
/// needed to know it. `invalid` (with `error` set): not a frame a server may send on a
/// connection without extensions (a reserved bit or opcode, a mask, a control frame that is
/// fragmented or longer than 125 bytes, a length above 2^63).
HeaderStatus read_server_header(std::string_view bytes, FrameHeader& header, std::string& error);

/// Appends one client frame, FIN set, payload masked with `mask_key` (RFC 6455 5.3).
void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key);

/// The payload of a close frame: the status code (big-endian), then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

/// Describes a close frame's payload as "CODE REASON" (or "no status" for an empty one).
std::string describe_close(std::string_view payload);

}  // namespace messenger::bench::ws
