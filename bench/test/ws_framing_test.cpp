#include "ws_framing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace messenger::bench::ws {
namespace {

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (const unsigned value : values) out.push_back(static_cast<char>(value));
  return out;
}

FrameHeader complete_header(const std::string& frame) {
  FrameHeader header;
  std::string error;
  EXPECT_EQ(read_server_header(frame, header, error), HeaderStatus::complete) << error;
  return header;
}

std::string invalid_header_error(const std::string& frame) {
  FrameHeader header;
  std::string error;
  EXPECT_EQ(read_server_header(frame, header, error), HeaderStatus::invalid);
  return error;
}

TEST(WsFraming, ReadsTheThreeLengthForms) {
  const FrameHeader small = complete_header(bytes({0x81, 5}) + "hello");
  EXPECT_TRUE(small.fin);
  EXPECT_EQ(small.opcode, Opcode::text);
  EXPECT_EQ(small.header_bytes, 2U);
  EXPECT_EQ(small.payload_bytes, 5U);

  const FrameHeader medium = complete_header(bytes({0x01, 126, 0x01, 0x00}));
  EXPECT_FALSE(medium.fin);
  EXPECT_EQ(medium.header_bytes, 4U);
  EXPECT_EQ(medium.payload_bytes, 256U);

  const FrameHeader large = complete_header(bytes({0x82, 127, 0, 0, 0, 1, 0, 0, 0, 2}));
  EXPECT_EQ(large.opcode, Opcode::binary);
  EXPECT_EQ(large.header_bytes, 10U);
  EXPECT_EQ(large.payload_bytes, (std::uint64_t{1} << 32U) + 2);
}

TEST(WsFraming, AskForMoreUntilTheLengthIsThere) {
  FrameHeader header;
  std::string error;
  EXPECT_EQ(read_server_header("", header, error), HeaderStatus::incomplete);
  EXPECT_EQ(read_server_header(bytes({0x81}), header, error), HeaderStatus::incomplete);
  EXPECT_EQ(read_server_header(bytes({0x81, 126, 0x01}), header, error), HeaderStatus::incomplete);
  EXPECT_EQ(read_server_header(bytes({0x81, 127, 0, 0, 0, 0, 0, 0, 1}), header, error),
            HeaderStatus::incomplete);
  EXPECT_TRUE(error.empty());
}

TEST(WsFraming, RejectsWhatAServerMayNotSend) {
  EXPECT_NE(invalid_header_error(bytes({0xC1, 0})).find("reserved bit"), std::string::npos);
  EXPECT_NE(invalid_header_error(bytes({0x83, 0})).find("reserved opcode 3"), std::string::npos);
  EXPECT_NE(invalid_header_error(bytes({0x81, 0x80 | 1, 0, 0, 0, 0, 'x'})).find("masked"),
            std::string::npos);
  EXPECT_NE(invalid_header_error(bytes({0x09, 0})).find("control frame"), std::string::npos);
  EXPECT_NE(invalid_header_error(bytes({0x89, 126, 0, 126})).find("control frame"),
            std::string::npos);
  EXPECT_NE(invalid_header_error(bytes({0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0})).find("2^63"),
            std::string::npos);
}

/// Undoes append_client_frame's mask, checking the header on the way.
std::string unmask(const std::string& frame, std::size_t header_bytes) {
  std::string payload = frame.substr(header_bytes + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>(payload[i] ^ frame[header_bytes + i % 4]);
  }
  return payload;
}

TEST(WsFraming, MasksClientFramesOfEveryLengthForm) {
  for (const std::size_t size : {0UL, 1UL, 7UL, 8UL, 125UL, 126UL, 65535UL, 65536UL}) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string frame = "prefix";
    append_client_frame(frame, Opcode::text, payload, 0x11223344U);
    ASSERT_EQ(frame.substr(0, 6), "prefix");
    frame.erase(0, 6);
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x81U) << size;
    const auto length = static_cast<unsigned char>(frame[1]);
    EXPECT_NE(length & 0x80U, 0U) << "mask bit, size " << size;
    std::size_t header_bytes = 2;
    if (size >= 126) header_bytes = size <= 0xFFFF ? 4 : 10;
    EXPECT_EQ(length & 0x7FU, size < 126 ? size : (size <= 0xFFFF ? 126U : 127U));
    EXPECT_EQ(frame.substr(header_bytes, 4), bytes({0x11, 0x22, 0x33, 0x44}));
    ASSERT_EQ(frame.size(), header_bytes + 4 + size);
    EXPECT_EQ(unmask(frame, header_bytes), payload) << size;
    if (size >= 8) {
      EXPECT_NE(frame.substr(header_bytes + 4), payload) << size;
    }
  }
}

std::string server_frame(Opcode opcode, bool fin, std::string_view payload) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | static_cast<unsigned>(opcode)));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(payload.size()));
  } else {
    out.push_back(126);
    out.push_back(static_cast<char>(payload.size() >> 8U));
    out.push_back(static_cast<char>(payload.size() & 0xFFU));
  }
  return out.append(payload);
}

/// Feeds `bytes` to the reader in reads of at most `chunk` bytes, as a socket would, and
/// collects every message's text (control frames as "<ping:...>" and so on).
std::vector<std::string> read_all(FrameReader& reader, std::string_view bytes, std::size_t chunk) {
  std::vector<std::string> got;
  while (!bytes.empty()) {
    const std::span<char> room = reader.room();
    const std::size_t size = std::min({chunk, room.size(), bytes.size()});
    std::copy_n(bytes.data(), size, room.data());
    reader.commit(size);
    bytes.remove_prefix(size);
    for (ReadEvent event = reader.next(); event.kind != ReadKind::need_more;
         event = reader.next()) {
      switch (event.kind) {
        case ReadKind::message:
          got.emplace_back(event.payload);
          break;
        case ReadKind::ping:
          got.push_back("<ping:" + std::string(event.payload) + ">");
          break;
        case ReadKind::pong:
          got.push_back("<pong>");
          break;
        case ReadKind::close:
          got.push_back("<close:" + describe_close(event.payload) + ">");
          break;
        case ReadKind::error:
          got.push_back("<error:" + event.error + ">");
          return got;
        case ReadKind::need_more:
          break;
      }
    }
  }
  return got;
}

TEST(WsFrameReader, TakesFramesWhateverTheReadsCutThem) {
  std::string stream;
  std::vector<std::string> sent;
  for (std::size_t i = 0; i < 200; ++i) {
    std::string text(1 + (i * 37) % 300, static_cast<char>('a' + i % 26));
    stream += server_frame(Opcode::text, true, text);
    sent.push_back(std::move(text));
  }
  for (const std::size_t chunk : {1UL, 2UL, 3UL, 7UL, 100UL, 4096UL, 100000UL}) {
    FrameReader reader(64);
    EXPECT_EQ(read_all(reader, stream, chunk), sent) << "reads of " << chunk;
  }
}

TEST(WsFrameReader, KeepsItsBufferWhileFramesFitInIt) {
  // Small frames, and reads that fill the buffer: many reads end inside a frame's header, whose
  // bytes must move to the buffer's start rather than make it grow.
  std::string stream;
  for (std::size_t i = 0; i < 2000; ++i) {
    stream += server_frame(Opcode::text, true, std::string(1 + i % 40, 'x'));
  }
  FrameReader reader(64);
  EXPECT_EQ(read_all(reader, stream, 100000).size(), 2000U);
  EXPECT_EQ(reader.capacity(), 64U);
}

TEST(WsFrameReader, GrowsToHoldAFrameLargerThanItsBuffer) {
  const std::string big(50'000, 'x');
  FrameReader reader(64);
  EXPECT_EQ(read_all(reader,
                     server_frame(Opcode::text, true, "a") + server_frame(Opcode::text, true, big) +
                         server_frame(Opcode::text, true, "b"),
                     1000),
            (std::vector<std::string>{"a", big, "b"}));
  EXPECT_GE(reader.capacity(), big.size());
}

TEST(WsFrameReader, JoinsFragmentsAroundAControlFrame) {
  FrameReader reader(64);
  const std::string stream =
      server_frame(Opcode::text, false, "hel") + server_frame(Opcode::ping, true, "p") +
      server_frame(Opcode::continuation, false, "lo ") +
      server_frame(Opcode::continuation, true, "world") + server_frame(Opcode::text, true, "next") +
      server_frame(Opcode::pong, true, "") +
      server_frame(Opcode::close, true, close_payload(1001, "bye"));
  for (const std::size_t chunk : {1UL, 5UL, 1000UL}) {
    EXPECT_EQ(
        read_all(reader, stream, chunk),
        (std::vector<std::string>{"<ping:p>", "hello world", "next", "<pong>", "<close:1001 bye>"}))
        << chunk;
  }
}

TEST(WsFrameReader, TakesBytesReadPastTheHandshake) {
  FrameReader reader;
  reader.append(server_frame(Opcode::close, true, close_payload(1001, "shutting down")));
  const ReadEvent event = reader.next();
  EXPECT_EQ(event.kind, ReadKind::close);
  EXPECT_EQ(describe_close(event.payload), "1001 shutting down");
  EXPECT_EQ(reader.next().kind, ReadKind::need_more);
}

TEST(WsFrameReader, ReportsWhatBreaksTheProtocol) {
  const auto error_of = [](const std::string& stream) {
    FrameReader reader(64, 1000);
    const std::vector<std::string> got = read_all(reader, stream, 1000);
    return got.empty() ? std::string() : got.back();
  };
  EXPECT_EQ(error_of(server_frame(Opcode::continuation, true, "x")),
            "<error:a continuation frame outside a message>");
  EXPECT_EQ(
      error_of(server_frame(Opcode::text, false, "a") + server_frame(Opcode::text, true, "b")),
      "<error:a new message inside a fragmented one>");
  EXPECT_EQ(error_of(server_frame(Opcode::text, true, std::string(1001, 'x'))),
            "<error:a message of more than 1000 bytes>");
  EXPECT_EQ(error_of(server_frame(Opcode::text, false, std::string(600, 'x')) +
                     server_frame(Opcode::continuation, true, std::string(600, 'x'))),
            "<error:a message of more than 1000 bytes>");
  EXPECT_EQ(error_of(server_frame(Opcode::close, true, "x")),
            "<error:a close frame with a one-byte payload>");
  EXPECT_EQ(error_of(bytes({0x81, 0x81, 0, 0, 0, 0, 'x'})),
            "<error:a masked frame from the server>");
}

TEST(WsFraming, ClosePayloadRoundTrips) {
  EXPECT_EQ(close_payload(1000), bytes({0x03, 0xE8}));
  EXPECT_EQ(describe_close(close_payload(4008, "too slow")), "4008 too slow");
  EXPECT_EQ(describe_close(close_payload(1001)), "1001");
  EXPECT_EQ(describe_close(""), "no status");
}

}  // namespace
}  // namespace messenger::bench::ws
