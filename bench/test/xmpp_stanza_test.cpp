#include "xmpp_stanza.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace messenger::bench {
namespace {

struct Event {
  StreamEvent kind;
  std::string text;
};

/// Feeds `input` in pieces of `piece` bytes and collects every event until need_more.
std::vector<Event> split(std::string_view input, std::size_t piece) {
  StanzaSplitter splitter;
  std::vector<Event> events;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    splitter.append(input.substr(at, piece));
    std::string_view stanza;
    for (;;) {
      const StreamEvent event = splitter.next(stanza);
      if (event == StreamEvent::need_more) break;
      events.push_back({event, event == StreamEvent::stanza || event == StreamEvent::stream_open
                                   ? std::string(stanza)
                                   : std::string()});
      if (event == StreamEvent::error) return events;
    }
  }
  return events;
}

constexpr std::string_view kEjabberdStart =
    "<?xml version='1.0'?><stream:stream id='1732' version='1.0' xml:lang='en' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' xmlns='jabber:client'>"
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>DIGEST-MD5</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
    "<register xmlns='http://jabber.org/features/iq-register'/></stream:features>";

TEST(StanzaSplitter, CutsTheStreamIntoElementsWhateverThePieces) {
  const std::string input = std::string(kEjabberdStart) +
                            " \n<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                            "<message from='a@x/r' type='chat'><body>12 x</body></message>"
                            "</stream:stream>";
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, input.size()}) {
    const auto events = split(input, piece);
    ASSERT_EQ(events.size(), 5U) << "piece " << piece;
    EXPECT_EQ(events[0].kind, StreamEvent::stream_open);
    EXPECT_EQ(events[1].kind, StreamEvent::stanza);
    EXPECT_EQ(events[1].text.substr(0, 17), "<stream:features>");
    EXPECT_EQ(events[1].text.substr(events[1].text.size() - 18), "</stream:features>");
    EXPECT_EQ(events[2].text, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    EXPECT_EQ(events[3].text, "<message from='a@x/r' type='chat'><body>12 x</body></message>");
    EXPECT_EQ(events[4].kind, StreamEvent::stream_close);
  }
}

TEST(StanzaSplitter, QuotedGreaterThanAndCommentsDoNotEndATag) {
  const auto events =
      split("<stream:stream><!-- a > b --><iq id=\"a>b\" type='result'><![CDATA[<x>]]></iq>", 3);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[1].text, "<iq id=\"a>b\" type='result'><![CDATA[<x>]]></iq>");
}

TEST(StanzaSplitter, ANewStreamAfterResetStartsAgainWithItsHeader) {
  StanzaSplitter splitter;
  std::string_view stanza;
  splitter.append("<stream:stream><success/>");
  EXPECT_EQ(splitter.next(stanza), StreamEvent::stream_open);
  EXPECT_EQ(splitter.next(stanza), StreamEvent::stanza);
  splitter.reset();
  splitter.append("<?xml version='1.0'?><stream:stream from='x'><stream:features/>");
  EXPECT_EQ(splitter.next(stanza), StreamEvent::stream_open);
  EXPECT_EQ(stanza, "<stream:stream from='x'>");
  EXPECT_EQ(splitter.next(stanza), StreamEvent::stanza);
  EXPECT_EQ(stanza, "<stream:features/>");
  EXPECT_EQ(splitter.next(stanza), StreamEvent::need_more);
  EXPECT_EQ(splitter.pending(), 0U);
}

TEST(StanzaSplitter, ReportsMarkupItCannotFollow) {
  EXPECT_EQ(split("<message/>", 100).back().kind, StreamEvent::error);
  EXPECT_EQ(split("<stream:stream><a <b>", 100).back().kind, StreamEvent::error);
  EXPECT_EQ(split("<stream:stream><!DOCTYPE x>", 100).back().kind, StreamEvent::error);
  EXPECT_EQ(split("<iq/>", 100).back().kind, StreamEvent::error);
}

TEST(StanzaSplitter, ManyStanzasInOneBufferStayValidUntilTheNextRead) {
  std::string input = "<stream:stream>";
  for (int i = 0; i < 1000; ++i)
    input += "<message><body>" + std::to_string(i) + "</body></message>";
  const auto events = split(input, 4096);
  ASSERT_EQ(events.size(), 1001U);
  EXPECT_EQ(events[1000].text, "<message><body>999</body></message>");
}

TEST(ScanStanza, ChatMessageWithTimestampFromEjabberd) {
  StanzaInfo info;
  ASSERT_TRUE(scan_stanza(
      "<message xml:lang='en' to='b@localhost' from='a@localhost/bench' type='chat' id='m1'>"
      "<archived by='b@localhost' id='17' xmlns='urn:xmpp:mam:tmp'/>"
      "<stanza-id by='b@localhost' id='17' xmlns='urn:xmpp:sid:0'/>"
      "<body>123456789 abcdef</body></message>",
      info));
  EXPECT_EQ(info.name, "message");
  EXPECT_EQ(info.type, "chat");
  EXPECT_EQ(info.id, "m1");
  EXPECT_EQ(info.from, "a@localhost/bench");
  EXPECT_EQ(info.body, "123456789 abcdef");
  EXPECT_EQ(info.sent_ns, 123456789);
}

TEST(ScanStanza, GroupchatFromProsodyWithBodyFirstAndDoubleQuotes) {
  StanzaInfo info;
  ASSERT_TRUE(
      scan_stanza("<message xml:lang=\"en\" to=\"b@localhost/bench\" id=\"g1\" "
                  "from=\"room@conference.localhost/a\" type=\"groupchat\"><body>456 hi</body>"
                  "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='lSa='/></message>",
                  info));
  EXPECT_EQ(info.type, "groupchat");
  EXPECT_EQ(info.from, "room@conference.localhost/a");
  EXPECT_EQ(info.sent_ns, 456);
}

TEST(ScanStanza, BodyOfANestedMessageIsNotTheMessagesBody) {
  StanzaInfo info;
  ASSERT_TRUE(scan_stanza(
      "<message><result><forwarded><message><body>1</body></message></forwarded></result>"
      "</message>",
      info));
  EXPECT_TRUE(info.body.empty());
  EXPECT_EQ(info.sent_ns, -1);
}

TEST(ScanStanza, FeaturesBeforeAndAfterAuthentication) {
  StanzaInfo info;
  ASSERT_TRUE(scan_stanza(
      "<stream:features><register xmlns='http://jabber.org/features/iq-register'/>"
      "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
      "<mechanism> PLAIN </mechanism></mechanisms></stream:features>",
      info));
  EXPECT_EQ(info.name, "features");
  EXPECT_TRUE(info.mechanism_plain);
  EXPECT_TRUE(info.can_register);
  EXPECT_FALSE(info.bind);

  ASSERT_TRUE(
      scan_stanza("<stream:features><sm xmlns='urn:xmpp:sm:3'><optional/></sm>"
                  "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind>"
                  "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
                  "</stream:features>",
                  info));
  EXPECT_TRUE(info.bind);
  EXPECT_TRUE(info.stream_management);
  EXPECT_FALSE(info.session_required);
  EXPECT_FALSE(info.mechanism_plain);

  ASSERT_TRUE(
      scan_stanza("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                  "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>",
                  info));
  EXPECT_TRUE(info.session_required);
}

TEST(ScanStanza, ErrorConditions) {
  StanzaInfo info;
  ASSERT_TRUE(scan_stanza(
      "<iq type='error' id='r1'><query xmlns='jabber:iq:register'><username>u</username>"
      "</query><error type='cancel'><text xmlns='x'>taken</text>"
      "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
      info));
  EXPECT_EQ(info.type, "error");
  EXPECT_EQ(info.condition, "conflict");

  ASSERT_TRUE(
      scan_stanza("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
                  "<text xml:lang='en'>Invalid username or password</text></failure>",
                  info));
  EXPECT_EQ(info.name, "failure");
  EXPECT_EQ(info.condition, "not-authorized");

  ASSERT_TRUE(scan_stanza(
      "<stream:error><text>x</text><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error>",
      info));
  EXPECT_EQ(info.name, "error");
  EXPECT_EQ(info.condition, "policy-violation");
}

TEST(ScanStanza, RejectsUnbalancedOrSeveralElements) {
  StanzaInfo info;
  EXPECT_FALSE(scan_stanza("<message><body>1</message>", info));
  EXPECT_FALSE(scan_stanza("<a/><b/>", info));
  EXPECT_FALSE(scan_stanza("</a>", info));
  EXPECT_FALSE(scan_stanza("text", info));
}

TEST(FindAttribute, QuotesSpacesAndMissingNames) {
  EXPECT_EQ(find_attribute(" a='1' b = \"2\" c='x\"y'", "b"), "2");
  EXPECT_EQ(find_attribute(" a='1' b = \"2\" c='x\"y'", "c"), "x\"y");
  EXPECT_EQ(find_attribute(" xml:lang='en' lang='de'", "lang"), "de");
  EXPECT_TRUE(find_attribute(" a='1'", "z").empty());
  EXPECT_TRUE(find_attribute(" a=1", "a").empty());
}

TEST(AppendEscaped, EscapesTheFiveSpecialCharacters) {
  std::string out;
  append_escaped(out, "a<b>&'\"c");
  EXPECT_EQ(out, "a&lt;b&gt;&amp;&apos;&quot;c");
}

}  // namespace
}  // namespace messenger::bench
