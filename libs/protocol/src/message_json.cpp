#include "message_json.h"

#include "json_text.h"

namespace messenger::protocol::detail {

bool append_message_json(std::string& out, const core::Message& message) {
  const std::size_t start = out.size();
  out.append(R"({"conversation_id":)");
  append_json_int(out, message.conversation_id.value());
  out.append(R"(,"seq":)");
  append_json_int(out, message.seq.value());
  out.append(R"(,"rev":)");
  append_json_int(out, message.rev.value());
  out.append(R"(,"sender_id":)");
  append_json_int(out, message.sender_id.value());
  out.append(R"(,"client_msg_id":)");
  bool ok = append_json_string(out, message.client_msg_id);
  out.append(R"(,"text":)");
  ok = ok && append_json_string(out, message.text);
  if (!ok) {
    out.resize(start);
    return false;
  }
  out.append(R"(,"created_at":)");
  append_json_int(out, message.created_at);
  out.append(R"(,"edited_at":)");
  append_json_int(out, message.edited_at);
  out.append(message.deleted ? R"(,"deleted":true})" : R"(,"deleted":false})");
  return true;
}

}  // namespace messenger::protocol::detail
