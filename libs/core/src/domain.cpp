#include "messenger/core/domain.h"

namespace messenger::core {

std::string_view to_string(ConversationKind kind) {
  switch (kind) {
    case ConversationKind::direct:
      return "direct";
    case ConversationKind::group:
      return "group";
    case ConversationKind::channel:
      return "channel";
  }
  return "group";
}

std::optional<ConversationKind> conversation_kind_from_string(std::string_view text) {
  if (text == "direct") return ConversationKind::direct;
  if (text == "group") return ConversationKind::group;
  if (text == "channel") return ConversationKind::channel;
  return std::nullopt;
}

std::string_view to_string(MemberRole role) {
  return role == MemberRole::owner ? "owner" : "member";
}

std::optional<MemberRole> member_role_from_string(std::string_view text) {
  if (text == "member") return MemberRole::member;
  if (text == "owner") return MemberRole::owner;
  return std::nullopt;
}

}  // namespace messenger::core
