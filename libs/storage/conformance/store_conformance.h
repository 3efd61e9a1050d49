#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <source_location>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "messenger/storage/store.h"

namespace messenger::storage::conformance {

/// One Store implementation under test.
struct StoreBackend {
  std::string name;  // test-name suffix, e.g. "Sqlite"; letters and digits only
  /// A fresh, empty store; called once per test.
  std::function<std::unique_ptr<Store>()> make_store;
  /// Called after each test, once its store is destroyed (e.g. to remove a temp dir).
  std::function<void()> after_test = {};
};

void PrintTo(const StoreBackend& backend, std::ostream* out);
/// Names instantiated tests after the backend: INSTANTIATE_TEST_SUITE_P(Sqlite,
/// StoreConformance, testing::Values(backend), backend_name).
std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info);

/// The value of `result`, or a default value after recording a test failure at the caller.
template <typename T>
T expect_ok(core::Result<T> result, std::source_location where = std::source_location::current()) {
  if (!result.ok()) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << core::to_string(result.error().code) << ": " << result.error().message;
    return T{};
  }
  return std::move(result).value();
}

/// "ok", or the wire name of the error code: readable in EXPECT_EQ failures.
template <typename T>
std::string code_of(const core::Result<T>& result) {
  return result.ok() ? "ok" : std::string(core::to_string(result.error().code));
}

/// Builders for the tests; every field not named keeps its default.
inline NewUser new_user(std::string username, std::string password_hash = "hash",
                        TimestampMs created_at = 1) {
  NewUser user;
  user.username = std::move(username);
  user.password_hash = std::move(password_hash);
  user.created_at = created_at;
  return user;
}
inline Profile profile(std::string display_name, std::string department = "",
                       std::string title = "") {
  Profile out;
  out.display_name = std::move(display_name);
  out.department = std::move(department);
  out.title = std::move(title);
  return out;
}
inline UserQuery user_query(std::string text, std::string department = "",
                            bool include_disabled = false, UserId after = UserId(),
                            int limit = 50) {
  UserQuery query;
  query.text = std::move(text);
  query.department = std::move(department);
  query.include_disabled = include_disabled;
  query.after = after;
  query.limit = limit;
  return query;
}
inline AuthSession auth_session(UserId user, std::string token_hash, std::string device = "",
                                TimestampMs created_at = 1, TimestampMs expires_at = 2) {
  AuthSession session;
  session.user_id = user;
  session.token_hash = std::move(token_hash);
  session.device = std::move(device);
  session.created_at = created_at;
  session.expires_at = expires_at;
  return session;
}

/// Every field as a tuple, for EXPECT_EQ with readable output.
inline auto fields(const User& u) {
  return std::tuple(u.id.value(), u.username, u.profile.display_name, u.profile.department,
                    u.profile.title, u.profile.email, u.profile.status_text, u.is_admin, u.disabled,
                    u.created_at, u.last_seen);
}
inline auto fields(const Conversation& c) {
  return std::tuple(c.id.value(), std::string(core::to_string(c.kind)), c.name, c.topic,
                    c.created_by.value(), c.archived, c.created_at, c.last_seq.value(),
                    c.last_rev.value(), c.last_activity);
}
inline auto fields(const Member& m) {
  return std::tuple(m.user_id.value(), std::string(core::to_string(m.role)), m.last_read.value(),
                    m.joined_at);
}
inline auto fields(const Message& m) {
  return std::tuple(m.conversation_id.value(), m.seq.value(), m.rev.value(), m.sender_id.value(),
                    m.client_msg_id, m.text, m.created_at, m.edited_at, m.deleted);
}
inline auto fields(const AuthSession& s) {
  return std::tuple(s.id.value(), s.user_id.value(), s.token_hash, s.device, s.created_at,
                    s.expires_at);
}

template <typename T>
auto all_fields(const std::vector<T>& items) {
  std::vector<decltype(fields(items.front()))> out;
  for (const auto& item : items) out.push_back(fields(item));
  return out;
}

/// The store conformance suite: every Store implementation must pass it unchanged. Each test
/// gets a fresh, empty store and uses only the Store interface.
class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  static constexpr TimestampMs kStart = 1'700'000'000'000;

  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }
  /// A timestamp later than every one handed out before in this test.
  TimestampMs tick() { return now_ += 1000; }

  User add_user(std::string_view username, Profile profile = {});
  /// A conversation owned by `owner` with `others` as plain members.
  Conversation add_conversation(core::ConversationKind kind, std::string_view name, UserId owner,
                                const std::vector<UserId>& others = {});
  Conversation add_direct(UserId a, UserId b);
  /// Appends one message per text, each with a new client_msg_id and timestamp.
  std::vector<Message> send(ConversationId conversation, UserId sender,
                            const std::vector<std::string>& texts);
  Message send_one(ConversationId conversation, UserId sender, std::string_view text);
  Conversation reload(ConversationId id);
  std::vector<std::int64_t> seqs(const std::vector<Message>& messages);
  std::vector<std::int64_t> ids(const std::vector<User>& users);

 private:
  std::unique_ptr<Store> store_;
  TimestampMs now_ = kStart;
  int next_client_msg_id_ = 0;
};

}  // namespace messenger::storage::conformance
