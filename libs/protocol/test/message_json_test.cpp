#include "message_json.h"

#include <gtest/gtest.h>

#include <string>

#include "messenger/protocol/codec.h"
#include "wire_objects.h"

namespace messenger::protocol {
namespace {

using core::ConversationId;
using core::Rev;
using core::Seq;
using core::UserId;

core::Message message_with(std::string text, std::string client_msg_id = "c-1") {
  return core::Message{
      ConversationId(7), Seq(42),           Rev(45), UserId(2), std::move(client_msg_id),
      std::move(text),   1'700'000'000'123, 0,       false};
}

/// The direct writer must give exactly the bytes of the JSON tree it replaces.
void expect_same_as_tree(const core::Message& message) {
  std::string direct = "prefix";
  ASSERT_TRUE(detail::append_message_json(direct, message));
  EXPECT_EQ(direct, "prefix" + detail::dump(detail::to_json(message)));
}

TEST(MessageJson, MatchesTheTreeForEveryKindOfCharacter) {
  expect_same_as_tree(message_with("plain text"));
  expect_same_as_tree(message_with(""));
  expect_same_as_tree(message_with("quote \" backslash \\ slash / del \x7F"));
  expect_same_as_tree(message_with("\b\f\n\r\t and \x01\x1F\x0B", "id \"q\"\n"));
  expect_same_as_tree(message_with("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80 \xF4\x8F\xBF\xBF"));
  // Escapes at either end and between runs of plain and multi-byte text (written a run at a time).
  expect_same_as_tree(message_with("\"starts", "ends\\"));
  expect_same_as_tree(message_with("\n\xC3\xA9x\"\"y\xE2\x82\xAC\t", "\x01"));
  auto edited = message_with("edited");
  edited.edited_at = 5;
  edited.seq = Seq(-1);
  expect_same_as_tree(edited);
  auto deleted = message_with("");
  deleted.deleted = true;
  expect_same_as_tree(deleted);
}

TEST(MessageJson, MatchesTheTreeWhereverTheSpecialCharacterFallsInAWord) {
  // Plain text is scanned 8 bytes at a time: put each kind of character at every offset of a
  // text longer than two words, and at the last bytes, which are scanned one at a time.
  for (const std::string special :
       {"\"", "\\", "\n", "\x01", "\x1F", "\x7F", " ", "~", "\xC3\xA9", "\xF0\x9F\x9A\x80"}) {
    for (std::size_t at = 0; at <= 20; ++at) {
      std::string text(20, 'a');
      text.insert(at, special);
      expect_same_as_tree(message_with(text, text));
    }
  }
  std::string bad(19, 'b');
  bad.insert(9, "\xFF");
  std::string out;
  EXPECT_FALSE(detail::append_message_json(out, message_with(bad)));
}

TEST(MessageJson, RefusesInvalidUtf8AndLeavesTheOutputAlone) {
  for (const std::string bad :
       {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF5\x80\x80\x80", "\xE2\x82", "ok \xF0\x9F\x9A"}) {
    std::string out = "kept";
    EXPECT_FALSE(detail::append_message_json(out, message_with(bad))) << bad;
    EXPECT_EQ(out, "kept");
    EXPECT_FALSE(detail::append_message_json(out, message_with("fine", bad))) << bad;
    EXPECT_EQ(out, "kept");
  }
}

TEST(MessageJson, FramesWithInvalidUtf8StillEncodeThroughTheTree) {
  const auto message = message_with("bad \xFF byte");
  const std::string event = encode_event(MessageNewEvent{message});
  EXPECT_NE(event.find("bad \xEF\xBF\xBD byte"), std::string::npos) << event;
  const std::string result = encode_result("9", MessageResult{message, true});
  EXPECT_NE(result.find(R"("duplicate":true)"), std::string::npos) << result;
}

TEST(MessageJson, FramesKeepTheirShape) {
  const auto message = message_with("hi");
  const std::string body = detail::dump(detail::to_json(message));
  EXPECT_EQ(encode_event(MessageNewEvent{message}),
            R"({"type":"message.new","message":)" + body + "}");
  EXPECT_EQ(encode_event(MessageUpdatedEvent{message}),
            R"({"type":"message.updated","message":)" + body + "}");
  EXPECT_EQ(encode_result("\"x\"", MessageResult{message, false}),
            R"({"type":"result","id":"x","result":{"message":)" + body + R"(,"duplicate":false}})");
  EXPECT_EQ(encode_result("", MessageResult{message, true}),
            R"({"type":"result","id":null,"result":{"message":)" + body + R"(,"duplicate":true}})");
}

}  // namespace
}  // namespace messenger::protocol
