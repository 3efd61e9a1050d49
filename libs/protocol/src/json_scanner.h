#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plain_run.h"
#include "utf8.h"

namespace messenger::protocol::detail {

/// Every integer of up to 18 digits fits an int64; longer ones are left to the tree.
inline constexpr int kMaxScannedDigits = 18;

/// A cursor over the frame. Every reader returns false (or nullopt) for what it does not take;
/// the caller then gives the whole frame to the tree.
class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : s_(text) {}

  void skip_space() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }

  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  /// Whether the next character after white space is `c` (not consumed).
  [[nodiscard]] bool next_is(char c) {
    skip_space();
    return i_ < s_.size() && s_[i_] == c;
  }

  [[nodiscard]] bool at_end() {
    skip_space();
    return i_ == s_.size();
  }

  /// A string with no escape: its bytes, valid UTF-8 without control characters.
  std::optional<std::string_view> plain_string() {
    if (!eat('"')) return std::nullopt;
    const std::size_t start = i_;
    // Byte by byte: these are keys and short values, where a block test would cost more than
    // it skips.
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return s_.substr(start, i_++ - start);
      if (c == '\\' || c < 0x20) return std::nullopt;
      if (c < 0x80) {  // ASCII, nearly every byte: no call per byte
        ++i_;
        continue;
      }
      const std::size_t n = utf8_sequence(s_, i_);
      if (n == 0) return std::nullopt;
      i_ += n;
    }
    return std::nullopt;
  }

  /// A string whose escapes are the short ones (\" \\ \/ \b \f \n \r \t), decoded into `out`;
  /// \u escapes are left to the tree (surrogate pairs and their errors).
  bool string(std::string& out) {
    if (!eat('"')) return false;
    std::size_t run = i_;  // start of the bytes not yet copied
    // Message texts are long runs of plain bytes: skipped eight at a time (plain_run.h), but
    // only after a run of single steps, so that a short string, or one with many escapes or
    // non-ASCII letters, pays for at most one failed block test per kPlainBlock steps.
    std::size_t steps_before_blocks = 2 * kPlainBlock;
    while (i_ < s_.size()) {
      if (steps_before_blocks-- == 0) {
        i_ = skip_plain_blocks(s_, i_);
        steps_before_blocks = kPlainBlock - 1;
        if (i_ == s_.size()) break;
      }
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out.append(s_.substr(run, i_ - run));
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        out.append(s_.substr(run, i_ - run));
        if (i_ + 1 >= s_.size()) return false;
        const char decoded = unescape(s_[i_ + 1]);
        if (decoded == 0) return false;
        out.push_back(decoded);
        i_ += 2;
        run = i_;
        continue;
      }
      if (c < 0x80) {  // ASCII, nearly every byte of a message: no call per byte
        ++i_;
        continue;
      }
      const std::size_t n = utf8_sequence(s_, i_);
      if (n == 0) return false;
      i_ += n;
    }
    return false;
  }

  /// A non-negative integer of at most kMaxScannedDigits digits, in JSON's form (no leading zero,
  /// no fraction, no exponent).
  std::optional<std::int64_t> integer() {
    skip_space();
    const std::size_t start = i_;
    std::int64_t value = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      // Checked before the digit is added: a 19th digit could overflow the int64.
      if (i_ - start == kMaxScannedDigits) return std::nullopt;
      value = value * 10 + (s_[i_] - '0');
      ++i_;
    }
    const std::size_t digits = i_ - start;
    if (digits == 0 || (digits > 1 && s_[start] == '0')) return std::nullopt;
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return std::nullopt;
    return value;
  }

  [[nodiscard]] std::string_view consumed_since(std::size_t start) const {
    return s_.substr(start, i_ - start);
  }
  [[nodiscard]] std::size_t position() const { return i_; }

 private:
  static char unescape(char c) {
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return 0;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace messenger::protocol::detail
