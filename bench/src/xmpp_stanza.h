#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace messenger::bench {

/// What StanzaSplitter::next found.
enum class StreamEvent : std::uint8_t {
  need_more,     // no complete event in the bytes so far
  stream_open,   // the server's <stream:stream ...> header
  stanza,        // one complete top-level element (a child of the stream)
  stream_close,  // </stream:stream>
  error,         // not XML the generator can follow (see error())
};

/// Cuts an XMPP stream into top-level elements without building a tree: one pass over the bytes
/// that follows tags, quotes and nesting depth only (no entity decoding, no namespace checks).
/// Bytes arrive in any pieces; a stanza is returned as a view into the buffer, valid until the
/// next call to prepare() or reset(). XML declarations, comments and whitespace between stanzas
/// are skipped.
class StanzaSplitter {
 public:
  /// Room for at least `min` more bytes at the end of the buffer (compacts consumed bytes first).
  char* prepare(std::size_t min);
  /// `n` bytes were written at the pointer prepare() returned.
  void commit(std::size_t n);
  /// Appends bytes (prepare + copy + commit), for tests and small inputs.
  void append(std::string_view bytes);

  StreamEvent next(std::string_view& stanza);
  /// A new stream starts on the same connection (after SASL success): the depth starts again
  /// from zero; bytes not yet scanned stay.
  void reset();

  [[nodiscard]] std::string_view error() const { return error_; }
  /// Bytes received but not yet returned as complete events.
  [[nodiscard]] std::size_t pending() const { return end_ - begin_; }

  /// Limit of one stanza; beyond it next() reports an error instead of buffering without end.
  static constexpr std::size_t kMaxStanza = std::size_t{1} << 20;

 private:
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // first byte still needed (start of the stanza being scanned)
  std::size_t pos_ = 0;    // next byte to scan
  std::size_t end_ = 0;    // end of the received bytes
  int depth_ = 0;          // 0: before the stream header, 1: between stanzas, >1: inside one
  std::string_view error_;
};

/// The few facts of a stanza that the generator acts on, as views into the stanza (no
/// allocation; values are raw, entities not decoded). Element names are local names: the
/// "stream:" prefix is dropped, so stream:features is "features" and stream:error is "error".
struct StanzaInfo {
  std::string_view name;  // message, presence, iq, features, success, failure, error, ...
  std::string_view type;
  std::string_view id;
  std::string_view from;
  std::string_view body;       // text of the first <body> child of a message
  std::int64_t sent_ns = -1;   // the bench timestamp at the start of the body, -1 if none
  std::string_view condition;  // the error's condition element (<error> child, SASL <failure>
                               // child, or stream error), e.g. "conflict", "not-authorized"
  // stream:features
  bool mechanism_plain = false;
  bool bind = false;
  bool session_required = false;   // <session> advertised without <optional/>
  bool can_register = false;       // XEP-0077 in-band registration
  bool stream_management = false;  // XEP-0198

  void reset() { *this = StanzaInfo{}; }
};

/// Reads `stanza` (one complete element, as returned by StanzaSplitter) into `info`. False when
/// it is not a well-formed sequence of tags.
bool scan_stanza(std::string_view stanza, StanzaInfo& info);

/// The value of attribute `name` in the attribute text of a start tag (everything between the
/// element name and '>'), or an empty view.
std::string_view find_attribute(std::string_view attributes, std::string_view name);

/// Appends `text` with the five XML special characters escaped.
void append_escaped(std::string& out, std::string_view text);

}  // namespace messenger::bench
