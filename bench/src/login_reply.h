#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace messenger::bench {

/// What the generator keeps of an auth.login or auth.resume result.
struct LoginFields {
  std::string token;         // result.token; empty for a resume
  std::int64_t user_id = 0;  // result.user.id; 0 when missing
};

/// Reads result.token and result.user.id from a result frame with nlohmann's SAX parser, without
/// building a JSON tree (a tree per login was a third of what a token resume cost the generator).
/// False when the frame is not valid JSON.
bool read_login_fields(std::string_view frame, LoginFields& out);

}  // namespace messenger::bench
