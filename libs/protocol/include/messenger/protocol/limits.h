#pragma once

#include <cstddef>
#include <cstdint>

namespace messenger::protocol {

inline constexpr int kProtocolVersion = 1;

/// Bounds on every input a client controls. Each is a named server configuration value
/// (docs/admin-guide.md) and is announced to clients in the hello result.
struct Limits {
  std::size_t max_frame_bytes = 64 * 1024;
  int max_json_depth = 16;
  std::size_t max_text_bytes = 16 * 1024;      // message text, UTF-8 bytes
  std::size_t max_settings_bytes = 16 * 1024;  // settings document, compact JSON bytes
  std::size_t max_name_chars = 100;            // conversation names, display names
  std::size_t max_topic_chars = 500;
  std::size_t max_profile_field_chars = 200;   // department, title, email, status text
  std::size_t max_client_msg_id_chars = 64;
  std::size_t max_request_id_chars = 64;
  std::size_t max_password_bytes = 1024;
  std::size_t min_password_chars = 8;
  std::size_t max_ids_per_request = 1000;      // user_ids in invite, members in create
  int history_page_max = 200;
};

}  // namespace messenger::protocol
