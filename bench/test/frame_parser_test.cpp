#include "frame_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace messenger::bench {
namespace {

class FrameParser : public testing::TestWithParam<ParserKind> {};

TEST_P(FrameParser, SendResult) {
  FrameInfo info;
  ASSERT_TRUE(scan_frame(
      R"({"type":"result","id":1099511627777,"result":{"message":{"conversation_id":7,"seq":42,)"
      R"("rev":45,"sender_id":2,"client_msg_id":"x-1","text":"123456789 abc","created_at":1,)"
      R"("edited_at":0,"deleted":false},"duplicate":true}})",
      info, GetParam()));
  EXPECT_EQ(info.kind, FrameKind::result);
  EXPECT_TRUE(info.has_id);
  EXPECT_EQ(info.id, 1099511627777);
  EXPECT_EQ(info.conversation_id, 7);
  EXPECT_EQ(info.sender_id, 2);
  EXPECT_EQ(info.seq, 42);
  EXPECT_EQ(info.sent_ns, 123456789);
  EXPECT_TRUE(info.duplicate);
}

TEST_P(FrameParser, MessageNewEventInAnyKeyOrder) {
  FrameInfo info;
  ASSERT_TRUE(scan_frame(
      R"({"message":{"text":"555","sender_id":3,"extra":{"id":9,"text":"1"},"tags":[{"seq":1}],)"
      R"("conversation_id":8,"seq":5},"type":"message.new"})",
      info, GetParam()));
  EXPECT_EQ(info.kind, FrameKind::message_new);
  EXPECT_FALSE(info.has_id);
  EXPECT_EQ(info.sender_id, 3);
  EXPECT_EQ(info.conversation_id, 8);
  EXPECT_EQ(info.seq, 5);
  EXPECT_EQ(info.sent_ns, 555);
}

TEST_P(FrameParser, ErrorWithCodeAndStringMessage) {
  FrameInfo info;
  ASSERT_TRUE(
      scan_frame(R"({"type":"error","id":17,"code":"rate_limited","message":"too many requests"})",
                 info, GetParam()));
  EXPECT_EQ(info.kind, FrameKind::error);
  EXPECT_EQ(info.id, 17);
  EXPECT_EQ(info.code, "rate_limited");
  EXPECT_EQ(info.sent_ns, -1);
}

TEST_P(FrameParser, NestedIdsDoNotLeakToTheTop) {
  FrameInfo info;
  ASSERT_TRUE(
      scan_frame(R"({"type":"result","id":"a1","result":{"user":{"id":5}}})", info, GetParam()));
  EXPECT_EQ(info.kind, FrameKind::result);
  EXPECT_FALSE(info.has_id);
}

TEST_P(FrameParser, LoginResultGivesTheTokenAndTheUserId) {
  FrameInfo info;
  ASSERT_TRUE(scan_frame(
      R"({"type":"result","id":2,"result":{"token":"abc","user":{"id":42,"username":"u",)"
      R"("display_name":"U","is_admin":false,"created_at":1,"last_seen":0,"presence":"online"}}})",
      info, GetParam()));
  EXPECT_EQ(info.kind, FrameKind::result);
  EXPECT_EQ(info.id, 2);
  EXPECT_EQ(info.token, "abc");
  EXPECT_EQ(info.user_id, 42);
}

TEST_P(FrameParser, ResumeResultHasNoToken) {
  FrameInfo info;
  info.token = "stale";
  ASSERT_TRUE(
      scan_frame(R"({"type":"result","id":2,"result":{"user":{"id":7}}})", info, GetParam()));
  EXPECT_EQ(info.token, "");
  EXPECT_EQ(info.user_id, 7);
}

TEST_P(FrameParser, TokenAndUserIdOnlyFromTheResult) {
  FrameInfo info;
  ASSERT_TRUE(scan_frame(
      R"({"id":1,"token":"top","user":{"id":5},"result":{"list":[{"token":"x"},{"user":{"id":9}}],)"
      R"("other":{"user":{"id":3}},"user":{"name":"n","id":11,"more":{"id":12}}}})",
      info, GetParam()));
  EXPECT_EQ(info.token, "");
  EXPECT_EQ(info.user_id, 11);
  EXPECT_EQ(info.id, 1);
}

TEST_P(FrameParser, RejectsInvalidJsonAndNonObjects) {
  FrameInfo info;
  EXPECT_FALSE(scan_frame("{\"type\":", info, GetParam()));
  EXPECT_FALSE(scan_frame("[1,2]", info, GetParam()));
  EXPECT_FALSE(scan_frame("", info, GetParam()));
}

TEST_P(FrameParser, EscapesAndStructureInsideStrings) {
  FrameInfo info;
  ASSERT_TRUE(scan_frame(
      R"({"type":"message.new","message":{"text":"77 a \"}{[,:\\ \u00e9","sender_id":-4,)"
      R"("n":[1.5e3,-0.25,true,false,null,{"x":[]}],"conversation_id":9}})",
      info, GetParam()));
  EXPECT_EQ(info.kind, FrameKind::message_new);
  EXPECT_EQ(info.sent_ns, 77);
  EXPECT_EQ(info.sender_id, -4);
  EXPECT_EQ(info.conversation_id, 9);
}

TEST_P(FrameParser, RejectsMalformedFrames) {
  FrameInfo info;
  for (const char* bad : {R"({"type":"result"} x)", R"({"type":"resu)", R"({"id":01x})",
                          R"({"id":1,})", R"({"a":tru})", R"({"a":[1,]})", R"({"a" 1})",
                          R"({"a":-})", R"({"a":1.})", R"({"a":1e})", "{\"a\":\"\x01\"}"}) {
    EXPECT_FALSE(scan_frame(bad, info, GetParam())) << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(AllParsers, FrameParser,
                         testing::Values(ParserKind::fast, ParserKind::sax, ParserKind::dom),
                         [](const testing::TestParamInfo<ParserKind>& param) {
                           return std::string(parser_name(param.param));
                         });

// A quote, backslash or control character counts wherever it falls in a string, as in
// nlohmann's parser.
TEST(FrameParserBlocks, SpecialBytesAtEveryPositionAsTheSaxParser) {
  for (const std::string special : {"\\\"", "\\\\", "\\n", "\x01", "\x1f", "\xc3\xa9", "\""}) {
    for (std::size_t length = 0; length < 26; ++length) {
      for (std::size_t at = 0; at <= length; ++at) {
        std::string text(length, 'x');
        text.insert(at, special);
        const std::string frame = R"({"type":"message.new","message":{"x":")" + text +
                                  R"(","sender_id":5,"text":"77 )" + text + R"("}})";
        FrameInfo fast;
        FrameInfo sax;
        const bool fast_ok = scan_frame(frame, fast, ParserKind::fast);
        ASSERT_EQ(fast_ok, scan_frame(frame, sax, ParserKind::sax)) << frame;
        if (!fast_ok) continue;
        EXPECT_EQ(fast.sender_id, sax.sender_id) << frame;
        EXPECT_EQ(fast.sent_ns, sax.sent_ns) << frame;
        EXPECT_EQ(fast.kind, sax.kind) << frame;
      }
    }
  }
}

TEST(MessageText, TimestampRoundTripsAndPadsToSize) {
  std::string text;
  append_message_text(text, 1234567890123, 100);
  EXPECT_EQ(text.size(), 100U);
  EXPECT_EQ(parse_sent_ns(text), 1234567890123);
  text.clear();
  append_message_text(text, 42, 1);
  EXPECT_EQ(text, "42");
  EXPECT_EQ(parse_sent_ns("hello"), -1);
  EXPECT_EQ(parse_sent_ns("12x"), -1);
}

}  // namespace
}  // namespace messenger::bench
