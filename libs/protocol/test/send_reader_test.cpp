// The direct msg.send reader against the tree: whatever it takes, the tree reads the same way;
// what it leaves, the tree still reads (parse_request falls back), so every error stays the
// tree's.

#include "send_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "messenger/protocol/codec.h"

namespace messenger::protocol {
namespace {

const Limits kLimits{};

/// Expects the direct reader to take `frame` and to read exactly what the tree reads.
void expect_same_as_tree(const std::string& frame, const Limits& limits = kLimits) {
  SCOPED_TRACE(frame);
  const auto direct = detail::read_send_directly(frame, limits);
  ASSERT_TRUE(direct.has_value()) << "not taken by the direct reader";
  const ParsedRequest tree = detail::parse_request_tree(frame, limits);
  ASSERT_TRUE(tree.body.ok()) << tree.body.error().message;
  ASSERT_TRUE(direct->body.ok());
  EXPECT_EQ(direct->id, tree.id);
  const auto& a = std::get<SendMessage>(direct->body.value());
  const auto& b = std::get<SendMessage>(tree.body.value());
  EXPECT_EQ(a.conversation_id, b.conversation_id);
  EXPECT_EQ(a.client_msg_id, b.client_msg_id);
  EXPECT_EQ(a.text, b.text);
}

/// Expects the direct reader to leave `frame` to the tree.
void expect_left_to_tree(const std::string& frame, const Limits& limits = kLimits) {
  SCOPED_TRACE(frame);
  EXPECT_FALSE(detail::read_send_directly(frame, limits).has_value());
}

TEST(SendReader, TakesWhatClientsSend) {
  SendMessage send{ConversationId(42), "c-1", "hello"};
  expect_same_as_tree(encode_request(Request{RequestIdJson("7"), send}));
  expect_same_as_tree(encode_request(Request{RequestIdJson("\"r-9\""), send}));
  expect_same_as_tree(
      R"({"id":0,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"y"})");
  expect_same_as_tree(
      R"( { "text" : "a\"b\\c\/d\b\f\n\r\t" , "client_msg_id":"é✓𝄞", "conversation_id" : 9, )"
      R"("type":"msg.send", "id":"ключ" } )"
      "\n");
  expect_same_as_tree(R"({"id":1,"type":"msg.send","conversation_id":999999999999999999,)"
                      R"("client_msg_id":"x","text":"DEL: )"
                      "\x7f"
                      R"("})");
}

TEST(SendReader, TakesValuesJustAtTheLimits) {
  const std::string text(kLimits.max_text_bytes, 'a');
  const std::string client_id(kLimits.max_client_msg_id_chars, 'b');
  const std::string request_id(kLimits.max_request_id_chars, 'c');
  expect_same_as_tree(R"({"id":")" + request_id + R"(","type":"msg.send","conversation_id":1,)" +
                      R"("client_msg_id":")" + client_id + R"(","text":")" + text + R"("})");
  expect_left_to_tree(R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x",)"
                      R"("text":")" +
                      text + R"(a"})");
  expect_left_to_tree(R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":")" +
                      client_id + R"(b","text":"t"})");
  expect_left_to_tree(R"({"id":")" + request_id +
                      R"(c","type":"msg.send","conversation_id":1,)"
                      R"("client_msg_id":"x","text":"t"})");
}

TEST(SendReader, LeavesEverythingElseToTheTree) {
  const std::string good =
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})";
  ASSERT_TRUE(detail::read_send_directly(good, kLimits).has_value());
  const std::vector<std::string> frames = {
      R"({"id":1,"type":"msg.edit","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":0,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":-1,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":1.0,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":1e3,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":01,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":"1","client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":1234567890123456789,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":""})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":null})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x"})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t","x":1})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t","text":"u"})",
      R"({"id":1,"id":2,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"id":-1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"id":"","type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"id":"a\"b","type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"id":null,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"\u00e9"})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"\x"})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t",})",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"} x)",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"}})",
      R"([{"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"}])",
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t")",
      "{\"id\":1,\"type\":\"msg.send\",\"conversation_id\":1,\"client_msg_id\":\"x\","
      "\"text\":\"a\nb\"}",
      "{\"id\":1,\"type\":\"msg.send\",\"conversation_id\":1,\"client_msg_id\":\"x\","
      "\"text\":\"\xc3\x28\"}",
      "{\"id\":1,\"type\":\"msg.send\",\"conversation_id\":1,\"client_msg_id\":\"x\","
      "\"text\":\"\xed\xa0\x80\"}",
      "\xef\xbb\xbf" + good,
  };
  for (const auto& frame : frames) expect_left_to_tree(frame);
  Limits small = kLimits;
  small.max_frame_bytes = good.size() - 1;
  expect_left_to_tree(good, small);
}

/// Random edits of valid frames: whenever the direct reader takes one, the tree reads the same.
TEST(SendReader, MutatedFramesAreReadAsTheTreeReadsThem) {
  const std::vector<std::string> seeds = {
      R"({"id":12,"type":"msg.send","conversation_id":3,"client_msg_id":"m-1","text":"hi \"there\""})",
      R"({ "type" : "msg.send" , "id" : "abc" , "text" : "é\n" , "client_msg_id" : "z" , "conversation_id" : 77 })",
  };
  const std::string alphabet = "{}[]:,\" \\/ntu019-.eE\x7f\xc3\xa9\xed\xa0idtypextclient_msg";
  std::mt19937 random(20261126);
  int taken = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string frame = seeds[round % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !frame.empty(); ++e) {
      const std::size_t at = random() % frame.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          frame[at] = c;
          break;
        case 1:
          frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          frame.erase(at, 1);
          break;
      }
    }
    if (detail::read_send_directly(frame, kLimits)) {
      ++taken;
      expect_same_as_tree(frame);
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(taken, 100) << "the mutations should leave some frames valid";
}

}  // namespace
}  // namespace messenger::protocol
