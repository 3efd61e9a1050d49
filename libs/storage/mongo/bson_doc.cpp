#include "bson_doc.h"

#include <utility>

namespace messenger::storage::mongo {

namespace {

int key_length(std::string_view key) {
  return static_cast<int>(key.size());
}

}  // namespace

BsonDoc& BsonDoc::i64(std::string_view key, std::int64_t value) & {
  bson_append_int64(doc_, key.data(), key_length(key), value);
  return *this;
}

BsonDoc& BsonDoc::i32(std::string_view key, std::int32_t value) & {
  bson_append_int32(doc_, key.data(), key_length(key), value);
  return *this;
}

BsonDoc& BsonDoc::str(std::string_view key, std::string_view value) & {
  bson_append_utf8(doc_, key.data(), key_length(key), value.data(), static_cast<int>(value.size()));
  return *this;
}

BsonDoc& BsonDoc::boolean(std::string_view key, bool value) & {
  bson_append_bool(doc_, key.data(), key_length(key), value);
  return *this;
}

BsonDoc& BsonDoc::doc(std::string_view key, const BsonDoc& value) & {
  bson_append_document(doc_, key.data(), key_length(key), value.get());
  return *this;
}

BsonDoc& BsonDoc::i64_array(std::string_view key, std::span<const std::int64_t> values) & {
  bson_t array;
  bson_append_array_begin(doc_, key.data(), key_length(key), &array);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto index = std::to_string(i);
    bson_append_int64(&array, index.c_str(), -1, values[i]);
  }
  bson_append_array_end(doc_, &array);
  return *this;
}

BsonDoc& BsonDoc::str_array(std::string_view key, std::span<const std::string> values) & {
  bson_t array;
  bson_append_array_begin(doc_, key.data(), key_length(key), &array);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto index = std::to_string(i);
    bson_append_utf8(&array, index.c_str(), -1, values[i].data(),
                     static_cast<int>(values[i].size()));
  }
  bson_append_array_end(doc_, &array);
  return *this;
}

BsonDoc& BsonDoc::doc_array(std::string_view key, std::span<const BsonDoc> values) & {
  bson_t array;
  bson_append_array_begin(doc_, key.data(), key_length(key), &array);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto index = std::to_string(i);
    bson_append_document(&array, index.c_str(), -1, values[i].get());
  }
  bson_append_array_end(doc_, &array);
  return *this;
}

BsonDoc& BsonDoc::copy_field(const BsonDoc& from, std::string_view key) & {
  bson_iter_t it;
  if (bson_iter_init_find_w_len(&it, from.get(), key.data(), key_length(key))) {
    bson_append_iter(doc_, key.data(), key_length(key), &it);
  }
  return *this;
}

std::vector<std::string> BsonDoc::keys() const {
  std::vector<std::string> out;
  bson_iter_t it;
  if (bson_iter_init(&it, doc_)) {
    while (bson_iter_next(&it)) out.emplace_back(bson_iter_key(&it));
  }
  return out;
}

BsonDoc& BsonDoc::fields_of(const BsonDoc& other) & {
  bson_concat(doc_, other.get());
  return *this;
}

bool BsonDoc::has(std::string_view key) const {
  bson_iter_t it;
  return bson_iter_init_find_w_len(&it, doc_, key.data(), key_length(key));
}

std::int64_t BsonDoc::int64(std::string_view key) const {
  bson_iter_t it;
  if (!bson_iter_init_find_w_len(&it, doc_, key.data(), key_length(key))) return 0;
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_INT64:
    case BSON_TYPE_INT32:
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_BOOL:
      return bson_iter_as_int64(&it);
    default:
      return 0;
  }
}

std::string BsonDoc::string(std::string_view key) const {
  bson_iter_t it;
  if (!bson_iter_init_find_w_len(&it, doc_, key.data(), key_length(key)) ||
      !BSON_ITER_HOLDS_UTF8(&it)) {
    return {};
  }
  std::uint32_t length = 0;
  const char* text = bson_iter_utf8(&it, &length);
  return std::string(text, length);
}

bool BsonDoc::boolean_at(std::string_view key) const {
  bson_iter_t it;
  if (!bson_iter_init_find_w_len(&it, doc_, key.data(), key_length(key))) return false;
  return bson_iter_as_bool(&it);
}

std::optional<BsonDoc> BsonDoc::document(std::string_view key) const {
  bson_iter_t it;
  if (!bson_iter_init_find_w_len(&it, doc_, key.data(), key_length(key)) ||
      !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return std::nullopt;
  }
  std::uint32_t length = 0;
  const std::uint8_t* data = nullptr;
  bson_iter_document(&it, &length, &data);
  return BsonDoc::adopt(bson_new_from_data(data, length));
}

std::string BsonDoc::to_json() const {
  std::size_t length = 0;
  char* json = bson_as_relaxed_extended_json(doc_, &length);
  if (json == nullptr) return "{?}";
  std::string out(json, length);
  bson_free(json);
  return out;
}

BsonDoc in_list(std::span<const std::int64_t> values) {
  BsonDoc out;
  out.i64_array("$in", values);
  return out;
}

std::string contains_regex(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace messenger::storage::mongo
