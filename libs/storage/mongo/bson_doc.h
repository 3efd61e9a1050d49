#pragma once

// A small owning BSON document with a builder and typed field readers, so that the store's code
// reads as the documents it writes. Strings are appended with their length: user text may hold
// any UTF-8, NUL included.

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace messenger::storage::mongo {

class BsonDoc {
 public:
  BsonDoc() : doc_(bson_new()) {}
  /// Takes ownership of a document from bson_new() / bson_copy().
  static BsonDoc adopt(bson_t* doc) { return BsonDoc(doc); }
  static BsonDoc copy_of(const bson_t* doc) { return BsonDoc(bson_copy(doc)); }

  BsonDoc(BsonDoc&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}
  BsonDoc& operator=(BsonDoc&& other) noexcept {
    std::swap(doc_, other.doc_);
    return *this;
  }
  BsonDoc(const BsonDoc&) = delete;
  BsonDoc& operator=(const BsonDoc&) = delete;
  ~BsonDoc() {
    if (doc_ != nullptr) bson_destroy(doc_);
  }

  // Builders: each appends one field and returns the document, so calls chain; on a temporary
  // they return it as an rvalue, so `return bson().i64("_id", 1);` moves.
  BsonDoc& i64(std::string_view key, std::int64_t value) &;
  BsonDoc&& i64(std::string_view key, std::int64_t value) && { return std::move(i64(key, value)); }
  BsonDoc& i32(std::string_view key, std::int32_t value) &;
  BsonDoc&& i32(std::string_view key, std::int32_t value) && { return std::move(i32(key, value)); }
  BsonDoc& str(std::string_view key, std::string_view value) &;
  BsonDoc&& str(std::string_view key, std::string_view value) && {
    return std::move(str(key, value));
  }
  BsonDoc& boolean(std::string_view key, bool value) &;
  BsonDoc&& boolean(std::string_view key, bool value) && { return std::move(boolean(key, value)); }
  BsonDoc& doc(std::string_view key, const BsonDoc& value) &;
  BsonDoc&& doc(std::string_view key, const BsonDoc& value) && {
    return std::move(doc(key, value));
  }
  BsonDoc& i64_array(std::string_view key, std::span<const std::int64_t> values) &;
  BsonDoc&& i64_array(std::string_view key, std::span<const std::int64_t> values) && {
    return std::move(i64_array(key, values));
  }
  BsonDoc& str_array(std::string_view key, std::span<const std::string> values) &;
  BsonDoc&& str_array(std::string_view key, std::span<const std::string> values) && {
    return std::move(str_array(key, values));
  }
  BsonDoc& doc_array(std::string_view key, std::span<const BsonDoc> values) &;
  BsonDoc&& doc_array(std::string_view key, std::span<const BsonDoc> values) && {
    return std::move(doc_array(key, values));
  }
  /// The field `key` of `from`, with its type, when `from` has it.
  BsonDoc& copy_field(const BsonDoc& from, std::string_view key) &;
  BsonDoc&& copy_field(const BsonDoc& from, std::string_view key) && {
    return std::move(copy_field(from, key));
  }
  /// The keys of the top-level fields, in order.
  [[nodiscard]] std::vector<std::string> keys() const;
  /// Every field of `other`, appended at the end.
  BsonDoc& fields_of(const BsonDoc& other) &;
  BsonDoc&& fields_of(const BsonDoc& other) && { return std::move(fields_of(other)); }

  [[nodiscard]] const bson_t* get() const { return doc_; }
  [[nodiscard]] bson_t* get() { return doc_; }
  [[nodiscard]] bool empty() const { return bson_empty(doc_); }

  // ---- readers: a missing field reads as the type's zero value ----
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] std::int64_t int64(std::string_view key) const;
  [[nodiscard]] std::string string(std::string_view key) const;
  [[nodiscard]] bool boolean_at(std::string_view key) const;
  /// An embedded document (e.g. findAndModify's "value"), or nullopt when absent or null.
  [[nodiscard]] std::optional<BsonDoc> document(std::string_view key) const;
  /// Relaxed extended JSON, for error messages.
  [[nodiscard]] std::string to_json() const;

 private:
  explicit BsonDoc(bson_t* doc) : doc_(doc) {}
  bson_t* doc_;
};

/// Shorthand for a filter / update built inline: bson().i64("_id", 1).
inline BsonDoc bson() {
  return BsonDoc();
}

/// {"$in": [values...]}
BsonDoc in_list(std::span<const std::int64_t> values);

/// A case-insensitive "contains" regular expression for `text`: every regex metacharacter is
/// escaped, so user input matches literally.
std::string contains_regex(std::string_view text);

}  // namespace messenger::storage::mongo
