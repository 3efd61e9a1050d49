#include "ws_frame.h"

#include <gtest/gtest.h>

#include <string>

namespace messenger::net {
namespace {

std::string header_of(std::size_t payload_size) {
  std::string out;
  append_text_frame(out, std::string(payload_size, 'x'));
  EXPECT_EQ(out.size(), text_frame_size(payload_size));
  EXPECT_EQ(out.substr(out.size() - payload_size), std::string(payload_size, 'x'));
  return out.substr(0, out.size() - payload_size);
}

TEST(WsFrame, SmallPayloadHasATwoByteHeader) {
  // RFC 6455 section 5.7: a single-frame unmasked text message containing "Hello".
  std::string out;
  append_text_frame(out, "Hello");
  EXPECT_EQ(out, std::string("\x81\x05Hello", 7));
  EXPECT_EQ(header_of(0), std::string("\x81\x00", 2));
  EXPECT_EQ(header_of(125), std::string("\x81\x7d", 2));
}

TEST(WsFrame, MediumPayloadHasA16BitLength) {
  EXPECT_EQ(header_of(126), std::string("\x81\x7e\x00\x7e", 4));
  // RFC 6455 section 5.7: 256 bytes in a single unmasked frame.
  EXPECT_EQ(header_of(256), std::string("\x81\x7e\x01\x00", 4));
  EXPECT_EQ(header_of(65535), std::string("\x81\x7e\xff\xff", 4));
}

TEST(WsFrame, LargePayloadHasA64BitLength) {
  // RFC 6455 section 5.7: 64 KiB in a single unmasked frame.
  EXPECT_EQ(header_of(65536), std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WsFrame, FramesAppendOneAfterAnother) {
  std::string out = "already";
  append_text_frame(out, "a");
  append_text_frame(out, "bc");
  EXPECT_EQ(out, std::string("already\x81\x01"
                             "a\x81\x02"
                             "bc",
                             14));
}

TEST(WsFrame, HeaderAloneIsWhatAppendWritesBeforeThePayload) {
  for (const std::size_t size : {0UL, 5UL, 125UL, 126UL, 65535UL, 65536UL}) {
    const TextFrameHeader header = text_frame_header(size);
    EXPECT_EQ(std::string(header.bytes.data(), header.size), header_of(size)) << size;
    EXPECT_EQ(header.size + size, text_frame_size(size)) << size;
  }
}

}  // namespace
}  // namespace messenger::net
