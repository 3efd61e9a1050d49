#include "ws_framing.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

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

TEST(WsFraming, ClosePayloadRoundTrips) {
  EXPECT_EQ(close_payload(1000), bytes({0x03, 0xE8}));
  EXPECT_EQ(describe_close(close_payload(4008, "too slow")), "4008 too slow");
  EXPECT_EQ(describe_close(close_payload(1001)), "1001");
  EXPECT_EQ(describe_close(""), "no status");
}

}  // namespace
}  // namespace messenger::bench::ws
