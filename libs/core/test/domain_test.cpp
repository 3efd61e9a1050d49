#include "messenger/core/domain.h"

#include <gtest/gtest.h>

namespace messenger::core {
namespace {

TEST(ConversationKindFromString, ReadsBackEveryWireSpelling) {
  for (const auto kind :
       {ConversationKind::direct, ConversationKind::group, ConversationKind::channel}) {
    EXPECT_EQ(conversation_kind_from_string(to_string(kind)), kind);
  }
  EXPECT_EQ(conversation_kind_from_string("team"), std::nullopt);
}

TEST(MemberRoleFromString, ReadsBackEveryWireSpelling) {
  for (const auto role : {MemberRole::member, MemberRole::owner}) {
    EXPECT_EQ(member_role_from_string(to_string(role)), role);
  }
  EXPECT_EQ(member_role_from_string("admin"), std::nullopt);
}

}  // namespace
}  // namespace messenger::core
