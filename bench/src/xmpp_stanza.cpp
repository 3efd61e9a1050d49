#include "xmpp_stanza.h"

#include <algorithm>
#include <cstring>

#include "frame_parser.h"

namespace messenger::bench {
namespace {

enum class TagKind : std::uint8_t { start, end, empty, skip };
enum class TagRead : std::uint8_t { ok, incomplete, bad };

struct Tag {
  TagKind kind = TagKind::skip;
  std::string_view name;
  std::string_view attributes;
  std::size_t end = 0;  // index just past the closing '>'
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// Reads the markup that starts at text[at] == '<'. Attribute values may hold '>' (XML allows
/// it), so the closing '>' is searched outside quotes.
TagRead read_tag(std::string_view text, std::size_t at, Tag& tag) {
  if (at + 1 >= text.size()) return TagRead::incomplete;
  const char second = text[at + 1];
  const auto skip_until = [&](std::string_view terminator, std::size_t from) {
    const auto found = text.find(terminator, from);
    if (found == std::string_view::npos) return TagRead::incomplete;
    tag.kind = TagKind::skip;
    tag.end = found + terminator.size();
    return TagRead::ok;
  };
  if (second == '?') return skip_until("?>", at + 2);
  if (second == '!') {
    constexpr std::string_view kComment = "<!--";
    constexpr std::string_view kCdata = "<![CDATA[";
    const std::string_view rest = text.substr(at);
    if (rest.substr(0, kComment.size()) == kComment) return skip_until("-->", at + 4);
    if (rest.substr(0, kCdata.size()) == kCdata) return skip_until("]]>", at + 9);
    const bool prefix = rest.size() < kCdata.size() && (kComment.substr(0, rest.size()) == rest ||
                                                        kCdata.substr(0, rest.size()) == rest);
    return prefix ? TagRead::incomplete : TagRead::bad;
  }
  if (second == '/') {
    const auto close = text.find('>', at + 2);
    if (close == std::string_view::npos) return TagRead::incomplete;
    std::string_view name = text.substr(at + 2, close - at - 2);
    while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
    if (name.empty()) return TagRead::bad;
    tag = Tag{TagKind::end, name, {}, close + 1};
    return TagRead::ok;
  }
  std::size_t i = at + 1;
  while (i < text.size() && !is_space(text[i]) && text[i] != '/' && text[i] != '>') ++i;
  if (i == text.size()) return TagRead::incomplete;
  const std::string_view name = text.substr(at + 1, i - at - 1);
  if (name.empty()) return TagRead::bad;
  const std::size_t attributes_begin = i;
  char quote = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '<') {
      return TagRead::bad;
    } else if (c == '>') {
      break;
    }
  }
  if (i == text.size()) return TagRead::incomplete;
  const bool empty = text[i - 1] == '/';
  const std::size_t attributes_end = empty ? i - 1 : i;
  tag = Tag{empty ? TagKind::empty : TagKind::start, name,
            text.substr(attributes_begin, attributes_end - attributes_begin), i + 1};
  return TagRead::ok;
}

std::string_view local_name(std::string_view name) {
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

char* StanzaSplitter::prepare(std::size_t min) {
  if (buffer_.size() - end_ < min && begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    pos_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < min) buffer_.resize(end_ + std::max(min, buffer_.size()));
  return buffer_.data() + end_;
}

void StanzaSplitter::commit(std::size_t n) {
  end_ += n;
}

void StanzaSplitter::append(std::string_view bytes) {
  std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
  commit(bytes.size());
}

void StanzaSplitter::reset() {
  depth_ = 0;
  begin_ = pos_;
}

StreamEvent StanzaSplitter::next(std::string_view& stanza) {
  if (!error_.empty()) return StreamEvent::error;
  const std::string_view text(buffer_.data(), end_);
  for (;;) {
    const auto lt = text.find('<', pos_);
    if (lt == std::string_view::npos) {
      // Text: whitespace keepalives between stanzas, or character data inside one.
      pos_ = end_;
      if (depth_ <= 1) begin_ = pos_;
      return StreamEvent::need_more;
    }
    pos_ = lt;
    if (depth_ <= 1) begin_ = lt;
    Tag tag;
    const TagRead read = read_tag(text, lt, tag);
    if (read == TagRead::incomplete) {
      if (end_ - begin_ > kMaxStanza) {
        error_ = "a stanza longer than 1 MiB";
        return StreamEvent::error;
      }
      return StreamEvent::need_more;
    }
    if (read == TagRead::bad) {
      error_ = "malformed markup from the server";
      return StreamEvent::error;
    }
    pos_ = tag.end;
    switch (tag.kind) {
      case TagKind::skip:
        if (depth_ <= 1) begin_ = pos_;
        break;
      case TagKind::start:
        if (depth_ == 0) {
          if (local_name(tag.name) != "stream") {
            error_ = "the server's stream does not start with <stream:stream>";
            return StreamEvent::error;
          }
          depth_ = 1;
          stanza = text.substr(lt, pos_ - lt);
          begin_ = pos_;
          return StreamEvent::stream_open;
        }
        ++depth_;
        break;
      case TagKind::empty:
        if (depth_ == 0) {
          error_ = "an element before the stream header";
          return StreamEvent::error;
        }
        if (depth_ == 1) {
          stanza = text.substr(lt, pos_ - lt);
          begin_ = pos_;
          return StreamEvent::stanza;
        }
        break;
      case TagKind::end:
        if (depth_ == 0) {
          error_ = "an end tag before the stream header";
          return StreamEvent::error;
        }
        --depth_;
        if (depth_ == 0) {
          begin_ = pos_;
          return StreamEvent::stream_close;
        }
        if (depth_ == 1) {
          stanza = text.substr(begin_, pos_ - begin_);
          begin_ = pos_;
          return StreamEvent::stanza;
        }
        break;
    }
  }
}

std::string_view find_attribute(std::string_view attributes, std::string_view name) {
  std::size_t i = 0;
  const std::size_t n = attributes.size();
  while (i < n) {
    while (i < n && is_space(attributes[i])) ++i;
    const std::size_t name_begin = i;
    while (i < n && attributes[i] != '=' && !is_space(attributes[i])) ++i;
    const std::string_view attribute = attributes.substr(name_begin, i - name_begin);
    while (i < n && is_space(attributes[i])) ++i;
    if (i >= n || attributes[i] != '=') return {};
    ++i;
    while (i < n && is_space(attributes[i])) ++i;
    if (i >= n || (attributes[i] != '\'' && attributes[i] != '"')) return {};
    const char quote = attributes[i++];
    const auto close = attributes.find(quote, i);
    if (close == std::string_view::npos) return {};
    if (attribute == name) return attributes.substr(i, close - i);
    i = close + 1;
  }
  return {};
}

bool scan_stanza(std::string_view stanza, StanzaInfo& info) {
  info.reset();
  enum class Text : std::uint8_t { none, body, mechanism };
  enum class Child : std::uint8_t { other, mechanisms, session, error };
  Text text = Text::none;
  Child child = Child::other;
  std::size_t pos = 0;
  int depth = 0;
  bool top_seen = false;
  for (;;) {
    const auto lt = stanza.find('<', pos);
    if (lt == std::string_view::npos) break;
    if (text == Text::body) {
      info.body = stanza.substr(pos, lt - pos);
      info.sent_ns = parse_sent_ns(info.body);
    } else if (text == Text::mechanism && trim(stanza.substr(pos, lt - pos)) == "PLAIN") {
      info.mechanism_plain = true;
    }
    text = Text::none;
    Tag tag;
    if (read_tag(stanza, lt, tag) != TagRead::ok) return false;
    pos = tag.end;
    if (tag.kind == TagKind::skip) continue;
    if (tag.kind == TagKind::end) {
      if (--depth < 0) return false;
      if (depth == 1) child = Child::other;
      continue;
    }
    const std::string_view local = local_name(tag.name);
    const bool start = tag.kind == TagKind::start;
    if (depth == 0) {
      if (top_seen) return false;  // a second top-level element
      top_seen = true;
      info.name = local;
      info.type = find_attribute(tag.attributes, "type");
      info.id = find_attribute(tag.attributes, "id");
      info.from = find_attribute(tag.attributes, "from");
    } else if (depth == 1) {
      if (local == "error" && info.name != "error") {
        child = Child::error;
      } else if ((info.name == "failure" || info.name == "error") && info.condition.empty() &&
                 local != "text") {
        info.condition = local;
      } else if (info.name == "message" && local == "body" && start && info.body.empty()) {
        text = Text::body;
      } else if (info.name == "features") {
        if (local == "mechanisms") child = Child::mechanisms;
        if (local == "bind") info.bind = true;
        if (local == "register") info.can_register = true;
        if (local == "sm") info.stream_management = true;
        if (local == "session") {
          info.session_required = true;
          child = Child::session;
        }
      }
    } else if (depth == 2) {
      if (child == Child::mechanisms && local == "mechanism" && start) text = Text::mechanism;
      if (child == Child::session && local == "optional") info.session_required = false;
      if (child == Child::error && info.condition.empty() && local != "text") {
        info.condition = local;
      }
    }
    if (start) ++depth;
  }
  return top_seen && depth == 0;
}

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '\'':
        out.append("&apos;");
        break;
      case '"':
        out.append("&quot;");
        break;
      default:
        out.push_back(c);
    }
  }
}

}  // namespace messenger::bench
