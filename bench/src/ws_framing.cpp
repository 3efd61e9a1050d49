#include "ws_framing.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

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

ReadEvent protocol_error(std::string error) {
  ReadEvent event;
  event.kind = ReadKind::error;
  event.error = std::move(error);
  return event;
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
  // Eight bytes at a time: the key's bytes twice over, in memory order, whatever the byte order.
  std::array<char, 8> wide_bytes{};
  std::memcpy(wide_bytes.data(), key.data(), key.size());
  std::memcpy(wide_bytes.data() + key.size(), key.data(), key.size());
  std::uint64_t wide_key = 0;
  std::memcpy(&wide_key, wide_bytes.data(), sizeof wide_key);
  std::size_t i = 0;
  for (; i + sizeof wide_key <= size; i += sizeof wide_key) {
    std::uint64_t chunk = 0;
    std::memcpy(&chunk, payload.data() + i, sizeof chunk);
    chunk ^= wide_key;
    std::memcpy(masked + i, &chunk, sizeof chunk);
  }
  for (; i < size; ++i) masked[i] = static_cast<char>(payload[i] ^ key[i % key.size()]);
}

std::span<char> FrameReader::room() {
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == in_.size()) make_room(end_ - begin_ + 1);
  return {in_.data() + end_, in_.size() - end_};
}

void FrameReader::commit(std::size_t bytes) {
  end_ += bytes;
}

void FrameReader::append(std::string_view bytes) {
  if (bytes.empty()) return;
  make_room(end_ - begin_ + bytes.size());
  std::memcpy(in_.data() + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
}

void FrameReader::discard() {
  begin_ = end_ = 0;
}

void FrameReader::make_room(std::size_t size) {
  if (in_.size() - begin_ >= size) return;
  std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  // The first call allocates the buffer: initial_bytes_, or more for a larger first frame.
  if (in_.size() < size) in_.resize(std::max({size, 2 * in_.size(), initial_bytes_}));
}

ReadEvent FrameReader::next() {
  if (message_handed_out_) {
    message_.clear();
    message_handed_out_ = false;
  }
  for (;;) {
    const std::string_view held(in_.data() + begin_, end_ - begin_);
    FrameHeader header;
    std::string error;
    switch (read_server_header(held, header, error)) {
      case HeaderStatus::incomplete:
        return {};
      case HeaderStatus::invalid:
        return protocol_error(std::move(error));
      case HeaderStatus::complete:
        break;
    }
    if (!header.is_control() && header.payload_bytes > max_message_bytes_ - message_.size()) {
      return protocol_error("a message of more than " + std::to_string(max_message_bytes_) +
                            " bytes");
    }
    const std::size_t size = header.header_bytes + header.payload_bytes;
    if (held.size() < size) {
      make_room(size);  // the next read can take the rest of the frame
      return {};
    }
    begin_ += size;
    ReadEvent event;
    event.payload = held.substr(header.header_bytes, header.payload_bytes);
    switch (header.opcode) {
      case Opcode::ping:
        event.kind = ReadKind::ping;
        return event;
      case Opcode::pong:
        event.kind = ReadKind::pong;
        return event;
      case Opcode::close:
        if (event.payload.size() == 1) {
          return protocol_error("a close frame with a one-byte payload");
        }
        event.kind = ReadKind::close;
        return event;
      case Opcode::text:
      case Opcode::binary:
        if (in_message_) return protocol_error("a new message inside a fragmented one");
        if (header.fin) {
          event.kind = ReadKind::message;
          event.is_text = header.opcode == Opcode::text;
          return event;
        }
        in_message_ = true;
        message_is_text_ = header.opcode == Opcode::text;
        message_.assign(event.payload);
        break;
      case Opcode::continuation:
        if (!in_message_) return protocol_error("a continuation frame outside a message");
        message_.append(event.payload);
        if (header.fin) {
          in_message_ = false;
          message_handed_out_ = true;
          event.kind = ReadKind::message;
          event.is_text = message_is_text_;
          event.payload = message_;
          return event;
        }
        break;
    }
  }
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
