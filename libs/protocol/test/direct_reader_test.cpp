// The direct reader (msg.send, hello, auth.resume, auth.login) against the tree: whatever it
// takes, the tree reads the same way; what it leaves, the tree still reads (parse_request falls
// back), so every error stays the tree's.

#include "direct_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "messenger/protocol/codec.h"
#include "plain_run.h"

namespace messenger::protocol {
namespace {

const Limits kLimits{};

/// Expects parse_request() to give for `frame` what the tree alone gives: the same id and the
/// same request, or the same error code and message.
void expect_parse_as_tree(const std::string& frame, const Limits& limits = kLimits) {
  SCOPED_TRACE(frame);
  const ParsedRequest parsed = parse_request(frame, limits);
  const ParsedRequest tree = detail::parse_request_tree(frame, limits);
  EXPECT_EQ(parsed.id, tree.id);
  ASSERT_EQ(parsed.body.ok(), tree.body.ok());
  if (tree.body.ok()) {
    EXPECT_EQ(parsed.body.value().index(), tree.body.value().index());
    EXPECT_EQ(encode_request(Request{parsed.id, parsed.body.value()}),
              encode_request(Request{tree.id, tree.body.value()}));
  } else {
    EXPECT_EQ(parsed.body.error().code, tree.body.error().code);
    EXPECT_EQ(parsed.body.error().message, tree.body.error().message);
  }
}

/// Expects the direct reader to take `frame` and to read exactly what the tree reads (any
/// request type).
void expect_taken_as_tree(const std::string& frame, const Limits& limits = kLimits) {
  SCOPED_TRACE(frame);
  const auto direct = detail::read_directly(frame, limits);
  ASSERT_TRUE(direct.has_value()) << "not taken by the direct reader";
  ASSERT_TRUE(direct->body.ok());
  const ParsedRequest tree = detail::parse_request_tree(frame, limits);
  ASSERT_TRUE(tree.body.ok()) << tree.body.error().message;
  EXPECT_EQ(direct->id, tree.id);
  EXPECT_EQ(direct->body.value().index(), tree.body.value().index());
  EXPECT_EQ(encode_request(Request{direct->id, direct->body.value()}),
            encode_request(Request{tree.id, tree.body.value()}));
}

/// Expects the direct reader to take `frame` and to read exactly what the tree reads.
void expect_same_as_tree(const std::string& frame, const Limits& limits = kLimits) {
  SCOPED_TRACE(frame);
  const auto direct = detail::read_directly(frame, limits);
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

/// Expects the direct reader to leave `frame` to the tree, so that parse_request() answers it
/// as the tree does.
void expect_left_to_tree(const std::string& frame, const Limits& limits = kLimits) {
  SCOPED_TRACE(frame);
  EXPECT_FALSE(detail::read_directly(frame, limits).has_value());
  expect_parse_as_tree(frame, limits);
}

/// Expects parse_request() to refuse `frame` with `code` and `message`, as the tree does.
void expect_error(const std::string& frame, core::Errc code, const std::string& message) {
  SCOPED_TRACE(frame);
  expect_left_to_tree(frame);
  const ParsedRequest parsed = parse_request(frame, kLimits);
  ASSERT_FALSE(parsed.body.ok());
  EXPECT_EQ(parsed.body.error().code, code);
  EXPECT_EQ(parsed.body.error().message, message);
}

TEST(DirectSendReader, TakesWhatClientsSend) {
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

TEST(DirectSendReader, TakesValuesJustAtTheLimits) {
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

TEST(DirectSendReader, LeavesEverythingElseToTheTree) {
  const std::string good =
      R"({"id":1,"type":"msg.send","conversation_id":1,"client_msg_id":"x","text":"t"})";
  ASSERT_TRUE(detail::read_directly(good, kLimits).has_value());
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

/// Random edits of `seeds`: whenever the direct reader takes a frame, the tree reads the same;
/// every frame, taken or not, parses as the tree parses it. Returns how many were taken.
int mutate_and_compare(const std::vector<std::string>& seeds, const std::string& alphabet,
                       int rounds) {
  std::mt19937 random(20261126);
  int taken = 0;
  for (int round = 0; round < rounds; ++round) {
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
    if (detail::read_directly(frame, kLimits)) {
      ++taken;
      expect_taken_as_tree(frame);
    }
    expect_parse_as_tree(frame);
    if (::testing::Test::HasFailure()) return taken;
  }
  return taken;
}

TEST(DirectSendReader, MutatedFramesAreReadAsTheTreeReadsThem) {
  const std::vector<std::string> seeds = {
      R"({"id":12,"type":"msg.send","conversation_id":3,"client_msg_id":"m-1","text":"hi \"there\""})",
      R"({ "type" : "msg.send" , "id" : "abc" , "text" : "é\n" , "client_msg_id" : "z" , "conversation_id" : 77 })",
  };
  const std::string alphabet = "{}[]:,\" \\/ntu019-.eE\x7f\xc3\xa9\xed\xa0idtypextclient_msg";
  EXPECT_GT(mutate_and_compare(seeds, alphabet, 20000), 100)
      << "the mutations should leave some frames valid";
}

TEST(DirectAuthReader, TakesWhatClientsSend) {
  // As messenger-bench, the desktop client (encode_request) and docs/protocol.md write them.
  expect_taken_as_tree(R"({"type":"hello","version":1,"client":"messenger-bench","id":1})");
  expect_taken_as_tree(encode_request(Request{"1", Hello{1, "messenger-desktop/0.1.0"}}));
  expect_taken_as_tree(
      R"({"type": "hello", "id": 1, "version": 1, "client": "messenger-desktop/0.1.0"})");
  expect_taken_as_tree(R"({"type":"hello","id":"h","version":1})");
  expect_taken_as_tree(R"({"version":0,"id":0,"type":"hello","client":""})");
  expect_taken_as_tree(R"({"type":"hello","id":1,"version":99})");  // the service refuses it
  expect_taken_as_tree(R"({"type":"hello","id":1,"version":2147483647,"client":"é\t\/"})");

  const std::string token = "k7Qm1v9ZsXb3TgqLw0HfYp2dNcRe8uJa5oVi4yKtBxE";
  expect_taken_as_tree(R"({"type":"auth.resume","token":")" + token + R"(","id":2})");
  expect_taken_as_tree(encode_request(Request{"\"r1\"", Resume{token}}));
  expect_taken_as_tree(R"({"type": "auth.resume", "id": "r1", "token": ")" + token + R"("})");
  expect_taken_as_tree(R"({"type":"auth.resume","id":1,"token":""})");  // the service refuses it
  expect_taken_as_tree(R"({"type":"auth.resume","id":1,"token":"a\"b\\c"})");

  expect_taken_as_tree(
      R"({"type":"auth.login","username":"u00042","password":"pw-42","device":"messenger-bench","id":3})");
  expect_taken_as_tree(encode_request(Request{"3", Login{"alice", "correct horse", "laptop"}}));
  expect_taken_as_tree(R"({"type": "auth.login", "id": 2, "username": "alice",)"
                       R"( "password": "correct horse battery", "device": "alice-laptop"})");
  expect_taken_as_tree(R"({"type":"auth.login","id":2,"username":"Ålice","password":""})");
}

TEST(DirectAuthReader, TakesValuesJustAtTheLimits) {
  const std::string client(kLimits.max_profile_field_chars, 'c');
  const std::string wide_client = [] {
    std::string out;
    for (std::size_t i = 0; i < kLimits.max_profile_field_chars; ++i) out += "\xC3\xA9";
    return out;
  }();
  const std::string password(kLimits.max_password_bytes, 'p');
  expect_taken_as_tree(R"({"id":1,"type":"hello","version":1,"client":")" + client + R"("})");
  expect_taken_as_tree(R"({"id":1,"type":"hello","version":1,"client":")" + wide_client + R"("})");
  expect_taken_as_tree(R"({"id":1,"type":"auth.login","username":"u","password":")" + password +
                       R"(","device":")" + wide_client + R"("})");
  expect_taken_as_tree(R"({"id":1,"type":"auth.resume","token":")" +
                       std::string(kLimits.max_frame_bytes - 64, 't') + R"("})");
}

TEST(DirectAuthReader, LeavesErrorsToTheTreeWithTheirDocumentedCodes) {
  using core::Errc;
  const std::string over_profile(kLimits.max_profile_field_chars + 1, 'c');
  const std::string over_password(kLimits.max_password_bytes + 1, 'p');

  // hello
  expect_error(R"({"id":1,"type":"hello","version":"1"})", Errc::bad_request,
               "field 'version' must be an integer");
  expect_error(R"({"id":1,"type":"hello","version":1.0})", Errc::bad_request,
               "field 'version' must be an integer");
  expect_error(R"({"id":1,"type":"hello","version":4294967296})", Errc::bad_request,
               "field 'version' must be an integer");
  expect_error(R"({"id":1,"type":"hello","version":9999999999999999999})", Errc::bad_request,
               "field 'version' must be an integer");  // 19 digits: past what the scanner reads
  expect_error(R"({"id":99999999999999999999,"type":"hello","version":1})", Errc::bad_request,
               "field 'id' must be a string of 1 to 64 characters or a non-negative integer");
  expect_error(R"({"id":1,"type":"hello"})", Errc::bad_request, "field 'version' is required");
  expect_error(R"({"id":1,"type":"hello","version":null})", Errc::bad_request,
               "field 'version' is required");
  expect_error(R"({"id":1,"type":"hello","version":1,"client":1})", Errc::bad_request,
               "field 'client' must be a string");
  expect_error(R"({"id":1,"type":"hello","version":1,"client":")" + over_profile + R"("})",
               Errc::bad_request, "field 'client' must be at most 200 characters");

  // auth.resume
  expect_error(R"({"id":1,"type":"auth.resume"})", Errc::bad_request, "field 'token' is required");
  expect_error(R"({"id":1,"type":"auth.resume","token":null})", Errc::bad_request,
               "field 'token' is required");
  expect_error(R"({"id":1,"type":"auth.resume","token":5})", Errc::bad_request,
               "field 'token' must be a string");
  expect_error(R"({"id":1,"type":"auth.resume","token":["t"]})", Errc::bad_request,
               "field 'token' must be a string");

  // auth.login
  expect_error(R"({"id":1,"type":"auth.login","username":5,"password":"p"})", Errc::bad_request,
               "field 'username' must be a string");
  expect_error(R"({"id":1,"type":"auth.login","password":"p"})", Errc::bad_request,
               "field 'username' is required");
  expect_error(R"({"id":1,"type":"auth.login","username":"a"})", Errc::bad_request,
               "field 'password' is required");
  expect_error(
      R"({"id":1,"type":"auth.login","username":"a","password":")" + over_password + R"("})",
      Errc::bad_request, "field 'password' must be at most 1024 bytes");
  expect_error(R"({"id":1,"type":"auth.login","username":"a","password":"p","device":")" +
                   over_profile + R"("})",
               Errc::bad_request, "field 'device' must be at most 200 characters");
  expect_error(R"({"id":1,"type":"auth.login","username":"a","password":"p","device":true})",
               Errc::bad_request, "field 'device' must be a string");

  // The envelope, for each type.
  for (const std::string type : {"hello", "auth.resume", "auth.login"}) {
    SCOPED_TRACE(type);
    expect_error(R"({"type":")" + type + R"(","version":1,"token":"t"})", Errc::bad_request,
                 "field 'id' must be a string of 1 to 64 characters or a non-negative integer");
    expect_error(R"({"id":-1,"type":")" + type + R"(","token":"t"})", Errc::bad_request,
                 "field 'id' must be a string of 1 to 64 characters or a non-negative integer");
    expect_error(R"({"id":"","type":")" + type + R"(","token":"t"})", Errc::bad_request,
                 "field 'id' must be a string of 1 to 64 characters or a non-negative integer");
    expect_error(R"({"id":1,"type":")" + type + R"(","token":"t")", Errc::invalid_json,
                 "frame is not valid JSON");
    expect_error(R"({"id":1,"type":")" + type + R"(x","token":"t"})", Errc::unknown_type,
                 "unknown request type '" + type + "x'");
    expect_error(R"({"id":1,"type":")" + type + R"(","token":"\xc3\x28"})", Errc::invalid_json,
                 "frame is not valid JSON");
    expect_error(R"({"id":1,"type":")" + type + R"(","x":)" + std::string(20, '[') +
                     std::string(20, ']') + "}",
                 Errc::too_deep, "JSON is nested deeper than 16 levels");
    expect_error(R"([{"id":1,"type":")" + type + R"("}])", Errc::bad_request,
                 "a request must be an object");
    expect_error(
        R"({"id":1,"type":")" + type + R"(")" + std::string(kLimits.max_frame_bytes, ' ') + "}",
        Errc::too_large, "frame is larger than 65536 bytes");
  }
}

TEST(DirectAuthReader, LeavesUnusualShapesToTheTree) {
  // Valid requests the direct reader does not take: the tree reads them as always.
  const std::vector<std::string> frames = {
      R"({"id":1,"type":"hello","version":-1})",
      R"({"id":1,"type":"hello","version":1,"client":null})",
      R"({"id":1,"type":"hello","version":1,"client":"\u00e9"})",
      R"({"id":1,"type":"hello","version":1,"features":["x"]})",
      R"({"id":1,"type":"hello","version":1,"version":2})",
      R"({"id":1,"type":"hello","version":1,"client":"a","client":"b"})",
      R"({"id":1,"type":"hel\u006co","version":1})",
      R"({"id":1,"t\u0079pe":"hello","version":1})",
      R"({"id":1,"type":"auth.resume","token":"t","device":"d"})",
      R"({"id":1,"type":"auth.resume","token":"a","token":"b"})",
      R"({"id":"a\"b","type":"auth.resume","token":"t"})",
      R"({"id":1,"type":"auth.login","username":"a","password":"p","device":null})",
      R"({"id":1,"type":"auth.login","username":"a","password":"p","device":"d","x":1})",
      R"({"id":1,"type":"auth.login","username":"\u0061","password":"p"})",
      R"({"id":1,"type":"auth.logout"})",
      "\xef\xbb\xbf{\"id\":1,\"type\":\"hello\",\"version\":1}",
  };
  for (const auto& frame : frames) expect_left_to_tree(frame);
}

TEST(DirectAuthReader, MutatedFramesAreReadAsTheTreeReadsThem) {
  const std::vector<std::string> seeds = {
      R"({"type":"hello","version":1,"client":"messenger-bench","id":1})",
      R"({"type":"auth.resume","token":"k7Qm1v9ZsXb3TgqLw0HfYp2dNcRe8uJa5oVi4yKtBxE","id":2})",
      R"({ "id" : "x" , "type" : "auth.login" , "username" : "é" , "password" : "p\"w" , "device" : "d" })",
  };
  const std::string alphabet = "{}[]:,\" \\/ntu019-.eE\x7f\xc3\xa9idtypehlovrsnkaugw";
  EXPECT_GT(mutate_and_compare(seeds, alphabet, 30000), 100)
      << "the mutations should leave some frames valid";
}

TEST(PlainBlock, TakesExactlyPrintableAsciiOtherThanQuoteAndBackslash) {
  for (std::size_t at = 0; at < detail::kPlainBlock; ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string block(detail::kPlainBlock, 'a');
      block[at] = static_cast<char>(byte);
      const bool plain = byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\';
      EXPECT_EQ(detail::plain_block(block.data()), plain) << "byte " << byte << " at " << at;
    }
  }
}

// The string scans skip eight plain bytes at a time: a special byte (end, escape, control,
// multi-byte or invalid UTF-8) must count wherever it falls relative to those blocks.
TEST(DirectSendReader, ReadsSpecialBytesAtEveryPositionAsTheTree) {
  const std::vector<std::string> specials = {"\\\"",     "\\\\",         "\\n",
                                             "\\u00e9",  "\x01",         "\x7f",
                                             "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                             "\xff",     "\xc3",         "\""};
  for (const std::string& special : specials) {
    for (std::size_t length = 0; length < 26; ++length) {
      for (std::size_t at = 0; at <= length; ++at) {
        std::string text(length, 'x');
        text.insert(at, special);
        expect_parse_as_tree(R"({"type":"msg.send","id":7,"conversation_id":3,"client_msg_id":")" +
                             text + R"(","text":")" + text + R"("})");
      }
    }
  }
}

}  // namespace
}  // namespace messenger::protocol
