#include "service_fixture.h"

namespace messenger::service::test {
namespace {

TEST_F(ServiceTest, RequestsBeforeHelloAreRefused) {
  Client c = connect();
  EXPECT_EQ(error_code(c, {{"type", "user.me"}}), "hello_required");
  EXPECT_EQ(error_code(c, {{"type", "auth.login"}, {"username", "admin"}, {"password", "x"}}),
            "hello_required");
}

TEST_F(ServiceTest, HelloWithAnotherVersionIsRefused) {
  Client c = connect();
  EXPECT_EQ(error_code(c, {{"type", "hello"}, {"version", 2}}), "unsupported_version");
  json result = ok(c, {{"type", "hello"}, {"version", 1}});
  EXPECT_EQ(result["version"], 1);
  EXPECT_EQ(result["limits"]["max_text_bytes"], 16 * 1024);
}

TEST_F(ServiceTest, RequestsBeforeLoginAreRefused) {
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  EXPECT_EQ(error_code(c, {{"type", "user.me"}}), "not_authenticated");
  EXPECT_EQ(error_code(c, {{"type", "conv.list"}}), "not_authenticated");
}

TEST_F(ServiceTest, LoginReturnsTokenAndUser) {
  Client a = admin();
  EXPECT_EQ(a.token.size(), 43u);
  json me = ok(a, {{"type", "user.me"}});
  EXPECT_EQ(me["user"]["username"], "admin");
  EXPECT_EQ(me["user"]["is_admin"], true);
  EXPECT_EQ(me["user"]["presence"], "online");
  EXPECT_EQ(metrics_.logins_ok.load(), 1u);
}

TEST_F(ServiceTest, WrongPasswordAndUnknownUserLookTheSame) {
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  json wrong = call(c, {{"type", "auth.login"}, {"username", "admin"}, {"password", "nope-nope"}});
  json unknown = call(c, {{"type", "auth.login"}, {"username", "ghost"}, {"password", "nope"}});
  EXPECT_EQ(wrong["code"], "invalid_credentials");
  EXPECT_EQ(unknown["code"], "invalid_credentials");
  EXPECT_EQ(wrong["message"], unknown["message"]);
}

TEST_F(ServiceTest, RepeatedFailuresThrottleTheUserUntilTheWindowPasses) {
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(error_code(c, {{"type", "auth.login"}, {"username", "admin"}, {"password", "bad"}}),
              "invalid_credentials");
  }
  // Even the right password is refused while throttled.
  EXPECT_EQ(error_code(
                c, {{"type", "auth.login"}, {"username", "admin"}, {"password", "admin-password"}}),
            "throttled");
  clock_.advance(config_.login_window + std::chrono::seconds(1));
  ok(c, {{"type", "auth.login"}, {"username", "admin"}, {"password", "admin-password"}});
}

TEST_F(ServiceTest, RepeatedFailuresFromOneAddressThrottleEveryName) {
  Client c = connect("10.0.0.9");
  ok(c, {{"type", "hello"}, {"version", 1}});
  for (int i = 0; i < 10; ++i) {
    error_code(
        c,
        {{"type", "auth.login"}, {"username", "someone" + std::to_string(i)}, {"password", "bad"}});
  }
  EXPECT_EQ(error_code(
                c, {{"type", "auth.login"}, {"username", "admin"}, {"password", "admin-password"}}),
            "throttled");
  Client other = connect("10.0.0.10");
  ok(other, {{"type", "hello"}, {"version", 1}});
  ok(other, {{"type", "auth.login"}, {"username", "admin"}, {"password", "admin-password"}});
}

TEST_F(ServiceTest, ResumeWithTokenAndRevocationOnLogout) {
  Client a = admin();
  Client b = connect();
  ok(b, {{"type", "hello"}, {"version", 1}});
  json resumed = ok(b, {{"type", "auth.resume"}, {"token", a.token}});
  EXPECT_EQ(resumed["user"]["username"], "admin");
  EXPECT_FALSE(resumed.contains("token"));

  ok(a, {{"type", "auth.logout"}});
  // b used the same token: it is closed as revoked.
  EXPECT_EQ(b.conn->close_code, protocol::CloseCode::session_revoked);
  EXPECT_EQ(error_code(a, {{"type", "user.me"}}), "not_authenticated");
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  EXPECT_EQ(error_code(c, {{"type", "auth.resume"}, {"token", a.token}}), "token_invalid");
}

TEST_F(ServiceTest, ExpiredTokenIsRefused) {
  Client a = admin();
  clock_.advance(config_.session_ttl + std::chrono::seconds(1));
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  EXPECT_EQ(error_code(c, {{"type", "auth.resume"}, {"token", a.token}}), "token_invalid");
  EXPECT_EQ(error_code(c, {{"type", "auth.resume"}, {"token", "made-up"}}), "token_invalid");
}

TEST_F(ServiceTest, ChangingPasswordRevokesOtherSessions) {
  Client alice = user("alice");
  Client alice2 = login("alice", "alice-password");
  EXPECT_EQ(error_code(alice, {{"type", "auth.change_password"},
                               {"old_password", "wrong-password"},
                               {"new_password", "new-password-1"}}),
            "invalid_credentials");
  EXPECT_EQ(error_code(alice, {{"type", "auth.change_password"},
                               {"old_password", "alice-password"},
                               {"new_password", "short"}}),
            "bad_request");
  ok(alice, {{"type", "auth.change_password"},
             {"old_password", "alice-password"},
             {"new_password", "new-password-1"}});
  EXPECT_EQ(alice2.conn->close_code, protocol::CloseCode::session_revoked);
  EXPECT_FALSE(alice.conn->closed);
  ok(alice, {{"type", "user.me"}});
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  EXPECT_EQ(error_code(c, {{"type", "auth.resume"}, {"token", alice2.token}}), "token_invalid");
  ok(c, {{"type", "auth.resume"}, {"token", alice.token}});
  login("alice", "new-password-1");
}

TEST_F(ServiceTest, DisablingAUserClosesTheirConnectionsAndBlocksLogin) {
  Client alice = user("alice");
  Client a = admin();
  ok(a, {{"type", "admin.user.set_disabled"}, {"user_id", alice.user_id}, {"disabled", true}});
  EXPECT_EQ(alice.conn->close_code, protocol::CloseCode::account_disabled);
  Client c = connect();
  ok(c, {{"type", "hello"}, {"version", 1}});
  EXPECT_EQ(error_code(
                c, {{"type", "auth.login"}, {"username", "alice"}, {"password", "alice-password"}}),
            "account_disabled");
  EXPECT_EQ(error_code(c, {{"type", "auth.resume"}, {"token", alice.token}}), "token_invalid");
  ok(a, {{"type", "admin.user.set_disabled"}, {"user_id", alice.user_id}, {"disabled", false}});
  login("alice", "alice-password");
}

TEST_F(ServiceTest, AdminRequestsNeedAnAdmin) {
  Client alice = user("alice");
  EXPECT_EQ(error_code(alice, {{"type", "admin.user.create"}, {"username", "bob"}}), "forbidden");
  EXPECT_EQ(error_code(
                alice,
                {{"type", "admin.user.set_admin"}, {"user_id", alice.user_id}, {"is_admin", true}}),
            "forbidden");
  Client a = admin();
  ok(a, {{"type", "admin.user.set_admin"}, {"user_id", alice.user_id}, {"is_admin", true}});
  EXPECT_EQ(events(alice, "user.updated").size(), 1u);
  json created = ok(alice, {{"type", "admin.user.create"}, {"username", "Bob"}});
  EXPECT_EQ(created["user"]["username"], "bob");
  ASSERT_TRUE(created.contains("password"));
  login("bob", created["password"]);
}

TEST_F(ServiceTest, CreateUserValidatesAndRefusesDuplicates) {
  Client a = admin();
  EXPECT_EQ(error_code(a, {{"type", "admin.user.create"}, {"username", "has space"}}),
            "bad_request");
  EXPECT_EQ(
      error_code(a, {{"type", "admin.user.create"}, {"username", "ok"}, {"password", "short"}}),
      "bad_request");
  ok(a, {{"type", "admin.user.create"}, {"username", "carol"}});
  EXPECT_EQ(error_code(a, {{"type", "admin.user.create"}, {"username", "CAROL"}}), "conflict");
}

TEST_F(ServiceTest, ResetPasswordRevokesEverySession) {
  Client alice = user("alice");
  Client a = admin();
  json reset = ok(a, {{"type", "admin.user.reset_password"}, {"user_id", alice.user_id}});
  ASSERT_TRUE(reset.contains("password"));
  EXPECT_EQ(alice.conn->close_code, protocol::CloseCode::session_revoked);
  login("alice", reset["password"]);
  EXPECT_EQ(error_code(a, {{"type", "admin.user.reset_password"}, {"user_id", 999}}), "not_found");
}

TEST_F(ServiceTest, BootstrapOnlyOnFirstStart) {
  auto again = service_->bootstrap_admin("admin", "other-password");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), "");
}

}  // namespace
}  // namespace messenger::service::test
