#pragma once

// WebSocket framing (RFC 6455 section 5) for the client side of the load generator, after the
// handshake: reading the server's frames and writing masked frames of its own (why not Beast's:
// bench/README.md, Design).

#include <cstddef>
#include <cstdint>
#include <span>
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

/// What FrameReader::next found.
enum class ReadKind : std::uint8_t { need_more, message, ping, pong, close, error };

struct ReadEvent {
  ReadKind kind = ReadKind::need_more;
  bool is_text = false;      // of a message
  std::string_view payload;  // of a message or control frame; see FrameReader::next
  std::string error;         // of an error
};

/// The bytes read from a server, taken apart into messages and control frames. A read goes into
/// room() after the bytes not yet taken, so one read takes whatever the socket holds; a whole
/// message in the buffer is handed out as a view into it, without a copy (fragments are joined
/// in a string of their own). The buffer grows only when a frame does not fit in it, to at least
/// twice its size, and never shrinks: 4 KiB per connection unless messages are larger.
class FrameReader {
 public:
  explicit FrameReader(std::size_t initial_bytes = 4096,
                       std::size_t max_message_bytes = std::size_t{16} << 20U)
      : initial_bytes_(initial_bytes), max_message_bytes_(max_message_bytes) {}

  /// Where the next read goes; never empty. Allocates the buffer on first use.
  std::span<char> room();
  /// `bytes` were read into room().
  void commit(std::size_t bytes);
  /// Bytes that arrived some other way (those read past the handshake's response).
  void append(std::string_view bytes);
  /// Drops everything not yet taken (after a close frame nothing more is read).
  void discard();

  /// The next message or control frame, or need_more. A payload stays valid until the next call
  /// of next, room, append or discard. After an error the reader is not to be used again.
  ReadEvent next();

  [[nodiscard]] std::size_t capacity() const { return in_.size(); }

 private:
  /// Makes the buffer hold `size` bytes from the first one not yet taken.
  void make_room(std::size_t size);

  std::size_t initial_bytes_;
  std::size_t max_message_bytes_;
  std::string in_;  // [begin_, end_) read and not yet taken
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string message_;  // a fragmented message being joined
  bool in_message_ = false;
  bool message_is_text_ = false;
  bool message_handed_out_ = false;  // message_ was the last payload: cleared at the next call
};

/// The payload of a close frame: the status code (big-endian), then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

/// Describes a close frame's payload as "CODE REASON" (or "no status" for an empty one).
std::string describe_close(std::string_view payload);

}  // namespace messenger::bench::ws
