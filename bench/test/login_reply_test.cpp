#include "login_reply.h"

#include <gtest/gtest.h>

namespace messenger::bench {
namespace {

TEST(LoginReply, ReadsTheTokenAndTheUserId) {
  LoginFields fields;
  ASSERT_TRUE(read_login_fields(
      R"({"type":"result","id":2,"result":{"token":"abc","user":{"id":42,"username":"u",)"
      R"("display_name":"U","is_admin":false,"created_at":1,"last_seen":0,"presence":"online"}}})",
      fields));
  EXPECT_EQ(fields.token, "abc");
  EXPECT_EQ(fields.user_id, 42);
}

TEST(LoginReply, AResumeHasNoToken) {
  LoginFields fields;
  fields.token = "stale";
  ASSERT_TRUE(read_login_fields(R"({"type":"result","id":2,"result":{"user":{"id":7}}})", fields));
  EXPECT_EQ(fields.token, "");
  EXPECT_EQ(fields.user_id, 7);
}

TEST(LoginReply, IgnoresTheSameKeysElsewhere) {
  LoginFields fields;
  ASSERT_TRUE(read_login_fields(
      R"({"id":1,"token":"top","user":{"id":5},"result":{"list":[{"token":"x"},{"user":{"id":9}}],)"
      R"("other":{"user":{"id":3}},"user":{"name":"n","id":11,"more":{"id":12}}}})",
      fields));
  EXPECT_EQ(fields.token, "");
  EXPECT_EQ(fields.user_id, 11);
}

TEST(LoginReply, RefusesInvalidJson) {
  LoginFields fields;
  EXPECT_FALSE(read_login_fields(R"({"result":{"user":{"id":1})", fields));
  EXPECT_FALSE(read_login_fields("not json", fields));
}

}  // namespace
}  // namespace messenger::bench
