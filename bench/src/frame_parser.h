#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace messenger::bench {

enum class FrameKind : std::uint8_t { other, result, error, message_new };

/// The few fields of a server frame that the load generator acts on. Filled in place and reused,
/// so scanning a frame allocates nothing once `code` has its capacity.
struct FrameInfo {
  FrameKind kind = FrameKind::other;
  bool has_id = false;  // an integer "id" (the generator sends only integer ids)
  std::int64_t id = 0;
  std::int64_t conversation_id = 0;  // message.conversation_id (event or result)
  std::int64_t sender_id = 0;
  std::int64_t seq = 0;
  std::int64_t sent_ns = -1;  // the send timestamp at the start of the message text; -1 if none
  bool duplicate = false;     // result.duplicate
  std::string code;           // error code
  std::int64_t user_id = 0;   // result.user.id (a login or resume result)
  std::string token;          // result.token (a login result), as sent: tokens need no escapes

  void reset();
};

/// How frames are scanned. `fast`: one hand-written pass over the bytes that checks the JSON
/// structure and keeps only the fields above (no allocation, no locale, no copies of strings);
/// `sax`: nlohmann's SAX parser with the same field logic; `dom`: a full nlohmann::json document.
/// The last two are there to measure what the first one saves.
enum class ParserKind : std::uint8_t { fast, sax, dom };

std::string_view parser_name(ParserKind parser);

/// Scans one JSON text frame. False when it is not valid JSON or not an object.
bool scan_frame(std::string_view frame, FrameInfo& info, ParserKind parser = ParserKind::fast);

/// Writes the text of a bench message: the send timestamp, a space, then `pad` up to `size`
/// bytes in total (at least the timestamp).
void append_message_text(std::string& out, std::int64_t sent_ns, std::size_t size);

/// The timestamp at the start of a bench message text, or -1.
std::int64_t parse_sent_ns(std::string_view text);

}  // namespace messenger::bench
