#include "object_json.h"

#include "json_text.h"

namespace messenger::protocol::detail {

bool append_user_json(std::string& out, const UserView& view) {
  const core::User& user = view.user;
  const std::size_t start = out.size();
  out.append(R"({"id":)");
  append_json_int(out, user.id.value());
  bool ok = true;
  const auto string_field = [&](std::string_view key, std::string_view value) {
    out.append(key);
    ok = ok && append_json_string(out, value);
  };
  string_field(R"(,"username":)", user.username);
  string_field(R"(,"display_name":)", user.profile.display_name);
  string_field(R"(,"department":)", user.profile.department);
  string_field(R"(,"title":)", user.profile.title);
  string_field(R"(,"email":)", user.profile.email);
  string_field(R"(,"status_text":)", user.profile.status_text);
  if (!ok) {
    out.resize(start);
    return false;
  }
  out.append(R"(,"is_admin":)");
  append_json_bool(out, user.is_admin);
  out.append(R"(,"disabled":)");
  append_json_bool(out, user.disabled);
  out.append(R"(,"created_at":)");
  append_json_int(out, user.created_at);
  out.append(R"(,"last_seen":)");
  append_json_int(out, user.last_seen);
  out.append(R"(,"presence":")").append(to_string(view.presence)).append(R"("})");
  return true;
}

void append_limits_json(std::string& out, const Limits& limits) {
  const auto field = [&out](std::string_view key, std::uint64_t value) {
    out.append(key);
    append_json_uint(out, value);
  };
  field(R"({"max_frame_bytes":)", limits.max_frame_bytes);
  out.append(R"(,"max_json_depth":)");
  append_json_int(out, limits.max_json_depth);
  field(R"(,"max_text_bytes":)", limits.max_text_bytes);
  field(R"(,"max_settings_bytes":)", limits.max_settings_bytes);
  field(R"(,"max_name_chars":)", limits.max_name_chars);
  field(R"(,"max_topic_chars":)", limits.max_topic_chars);
  field(R"(,"max_profile_field_chars":)", limits.max_profile_field_chars);
  field(R"(,"max_client_msg_id_chars":)", limits.max_client_msg_id_chars);
  field(R"(,"max_request_id_chars":)", limits.max_request_id_chars);
  field(R"(,"max_password_bytes":)", limits.max_password_bytes);
  field(R"(,"min_password_chars":)", limits.min_password_chars);
  field(R"(,"max_ids_per_request":)", limits.max_ids_per_request);
  out.append(R"(,"history_page_max":)");
  append_json_int(out, limits.history_page_max);
  out.push_back('}');
}

}  // namespace messenger::protocol::detail
