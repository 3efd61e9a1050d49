#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace messenger::protocol::detail {

// Pieces of JSON text written straight into a frame, byte for byte what nlohmann's
// dump(ensure_ascii = false) writes for the same value: the direct writers (message_json.h,
// object_json.h) use them instead of building a tree for the frames sent most often.

/// Appends `s` as a JSON string. Returns false when `s` is not valid UTF-8; `out` may then hold
/// part of it and the caller truncates it back (the tree path replaces the bad bytes instead).
bool append_json_string(std::string& out, std::string_view s);
void append_json_int(std::string& out, std::int64_t value);
void append_json_uint(std::string& out, std::uint64_t value);
inline void append_json_bool(std::string& out, bool value) {
  out.append(value ? "true" : "false");
}

}  // namespace messenger::protocol::detail
