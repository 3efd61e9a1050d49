#pragma once

#include <optional>
#include <string>
#include <vector>

#include "messenger/core/clock.h"
#include "messenger/core/ids.h"

namespace messenger::core {

struct Profile {
  std::string display_name;
  std::string department;
  std::string title;
  std::string email;
  std::string status_text;
};

struct User {
  UserId id;
  std::string username;  // unique, lower-case [a-z0-9._-], 1..32
  Profile profile;
  bool is_admin = false;
  bool disabled = false;
  TimestampMs created_at = 0;
  TimestampMs last_seen = 0;  // last time a session of this user disconnected; 0 = never
};

/// A user together with the stored password hash; never leaves the service layer.
struct UserCredentials {
  User user;
  std::string password_hash;  // libsodium crypto_pwhash_str (Argon2id) string
};

/// A login on one device. The token itself is never stored, only its SHA-256.
struct AuthSession {
  AuthSessionId id;
  UserId user_id;
  std::string token_hash;  // hex
  std::string device;
  TimestampMs created_at = 0;
  TimestampMs expires_at = 0;
};

enum class ConversationKind { direct, group, channel };

enum class MemberRole { member, owner };

struct Member {
  UserId user_id;
  MemberRole role = MemberRole::member;
  Seq last_read;  // 0 = nothing read
  TimestampMs joined_at = 0;
};

struct Conversation {
  ConversationId id;
  ConversationKind kind = ConversationKind::group;
  std::string name;  // empty for direct conversations
  std::string topic;
  UserId created_by;
  bool archived = false;
  TimestampMs created_at = 0;
  Seq last_seq;  // newest message's seq; 0 when empty
  Rev last_rev;  // newest change's revision; 0 when nothing happened yet
  TimestampMs last_activity = 0;
};

struct Message {
  ConversationId conversation_id;
  Seq seq;
  Rev rev;  // revision of the latest change to this message (create, edit or delete)
  UserId sender_id;
  std::string client_msg_id;
  std::string text;  // empty when deleted
  TimestampMs created_at = 0;
  TimestampMs edited_at = 0;  // 0 = never edited
  bool deleted = false;
};

std::string_view to_string(ConversationKind kind);
std::optional<ConversationKind> conversation_kind_from_string(std::string_view text);
std::string_view to_string(MemberRole role);
std::optional<MemberRole> member_role_from_string(std::string_view text);

}  // namespace messenger::core
