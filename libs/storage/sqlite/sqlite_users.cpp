#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "sqlite_store_impl.h"

namespace messenger::storage::sqlite {
namespace {

#define USER_COLUMNS                                                                        \
  "id, username, display_name, department, title, email, status_text, is_admin, disabled, " \
  "created_at, last_seen"

User read_user(const Statement& row) {
  User user;
  user.id = UserId(row.int64(0));
  user.username = row.text(1);
  user.profile.display_name = row.text(2);
  user.profile.department = row.text(3);
  user.profile.title = row.text(4);
  user.profile.email = row.text(5);
  user.profile.status_text = row.text(6);
  user.is_admin = row.boolean(7);
  user.disabled = row.boolean(8);
  user.created_at = row.int64(9);
  user.last_seen = row.int64(10);
  return user;
}

}  // namespace

Result<User> SqliteStore::create_user(const NewUser& user) {
  auto stmt = db_.prepare(
      "INSERT INTO users (username, password_hash, display_name, department, title, email, "
      "status_text, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "create user");
  if (!stmt.ok()) return stmt.error();
  const auto& profile = user.profile;
  stmt->bind(user.username)
      .bind(user.password_hash)
      .bind(profile.display_name)
      .bind(profile.department)
      .bind(profile.title)
      .bind(profile.email)
      .bind(profile.status_text)
      .bind(user.is_admin)
      .bind(user.created_at);
  if (auto done = stmt->run(); !done.ok()) {
    if (done.error().code == core::Errc::conflict) {
      return core::make_error(core::Errc::conflict,
                              fmt::format("the username {} is taken", user.username));
    }
    return done.error();
  }
  User created;
  created.id = UserId(db_.last_insert_id());
  created.username = user.username;
  created.profile = user.profile;
  created.is_admin = user.is_admin;
  created.created_at = user.created_at;
  return created;
}

Result<std::optional<User>> SqliteStore::find_user(UserId id) {
  auto stmt = db_.prepare("SELECT " USER_COLUMNS " FROM users WHERE id = ?", "find user");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id);
  return stmt->one(read_user);
}

Result<std::optional<UserCredentials>> SqliteStore::find_user_by_username(std::string_view name) {
  auto stmt = db_.prepare("SELECT " USER_COLUMNS ", password_hash FROM users WHERE username = ?",
                          "find user by username");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(name);
  return stmt->one([](const Statement& row) {
    return UserCredentials{.user = read_user(row), .password_hash = row.text(11)};
  });
}

Result<std::vector<User>> SqliteStore::get_users(std::span<const UserId> ids) {
  if (ids.empty()) return std::vector<User>{};
  std::string array = "[";
  for (const auto id : ids) {
    if (array.size() > 1) array += ',';
    array += std::to_string(id.value());
  }
  array += ']';
  auto stmt = db_.prepare("SELECT " USER_COLUMNS
                          " FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
                          "get users");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(array);
  return stmt->all(read_user);
}

Result<std::vector<User>> SqliteStore::search_users(const UserQuery& query) {
  if (query.limit <= 0) return std::vector<User>{};
  // Walks the primary key upwards from `after`, so a page costs about `limit` matching rows.
  auto stmt = db_.prepare(
      "SELECT " USER_COLUMNS
      " FROM users WHERE id > ?1"
      " AND (?2 = '' OR username LIKE ?3 ESCAPE '\\' OR display_name LIKE ?3 ESCAPE '\\'"
      "      OR department LIKE ?3 ESCAPE '\\' OR title LIKE ?3 ESCAPE '\\')"
      " AND (?4 = '' OR department = ?4 COLLATE NOCASE)"
      " AND (?5 OR disabled = 0)"
      " ORDER BY id LIMIT ?6",
      "search users");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(query.after)
      .bind(query.text)
      .bind(contains_pattern(query.text))
      .bind(query.department)
      .bind(query.include_disabled)
      .bind(query.limit);
  return stmt->all(read_user);
}

Result<std::int64_t> SqliteStore::count_users() {
  auto stmt = db_.prepare("SELECT count(*) FROM users", "count users");
  if (!stmt.ok()) return stmt.error();
  auto value = stmt->one([](const Statement& row) { return row.int64(0); });
  if (!value.ok()) return value.error();
  return value->value_or(0);
}

Status SqliteStore::update_profile(UserId id, const Profile& profile) {
  return update_one(
      "UPDATE users SET display_name = ?, department = ?, title = ?, email = ?, status_text = ? "
      "WHERE id = ?",
      "update profile", profile.display_name, profile.department, profile.title, profile.email,
      profile.status_text, id);
}

Status SqliteStore::set_password_hash(UserId id, std::string_view password_hash) {
  return update_one("UPDATE users SET password_hash = ? WHERE id = ?", "set password hash",
                    password_hash, id);
}

Status SqliteStore::set_disabled(UserId id, bool disabled) {
  return update_one("UPDATE users SET disabled = ? WHERE id = ?", "set disabled", disabled, id);
}

Status SqliteStore::set_admin(UserId id, bool is_admin) {
  return update_one("UPDATE users SET is_admin = ? WHERE id = ?", "set admin", is_admin, id);
}

Status SqliteStore::set_last_seen(UserId id, TimestampMs when) {
  return update_one("UPDATE users SET last_seen = ? WHERE id = ?", "set last seen", when, id);
}

Result<std::string> SqliteStore::get_settings(UserId id) {
  auto stmt = db_.prepare("SELECT json FROM settings WHERE user_id = ?", "get settings");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id);
  auto json = stmt->one([](const Statement& row) { return row.text(0); });
  if (!json.ok()) return json.error();
  return json->value_or("{}");
}

Status SqliteStore::put_settings(UserId id, std::string_view settings_json) {
  auto stmt = db_.prepare(
      "INSERT INTO settings (user_id, json) VALUES (?, ?) "
      "ON CONFLICT (user_id) DO UPDATE SET json = excluded.json",
      "put settings");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id).bind(settings_json);
  return stmt->run();
}

namespace {

AuthSession read_session(const Statement& row) {
  return AuthSession{.id = AuthSessionId(row.int64(0)),
                     .user_id = UserId(row.int64(1)),
                     .token_hash = row.text(2),
                     .device = row.text(3),
                     .created_at = row.int64(4),
                     .expires_at = row.int64(5)};
}

}  // namespace

Result<AuthSession> SqliteStore::create_auth_session(const AuthSession& session) {
  auto stmt = db_.prepare(
      "INSERT INTO auth_sessions (token_hash, user_id, device, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?)",
      "create auth session");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(session.token_hash)
      .bind(session.user_id)
      .bind(session.device)
      .bind(session.created_at)
      .bind(session.expires_at);
  MESSENGER_TRY(stmt->run());
  AuthSession created = session;
  created.id = AuthSessionId(db_.last_insert_id());
  return created;
}

Result<std::optional<AuthSession>> SqliteStore::find_auth_session(std::string_view token_hash) {
  auto stmt = db_.prepare(
      "SELECT id, user_id, token_hash, device, created_at, expires_at FROM auth_sessions "
      "WHERE token_hash = ?",
      "find auth session");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(token_hash);
  return stmt->one(read_session);
}

Status SqliteStore::delete_auth_session(AuthSessionId id) {
  auto stmt = db_.prepare("DELETE FROM auth_sessions WHERE id = ?", "delete auth session");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(id);
  return stmt->run();
}

Result<std::vector<AuthSessionId>> SqliteStore::delete_auth_sessions_of(
    UserId user, std::optional<AuthSessionId> keep) {
  auto stmt = db_.prepare("DELETE FROM auth_sessions WHERE user_id = ? AND id != ? RETURNING id",
                          "delete auth sessions of user");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(user).bind(keep.value_or(AuthSessionId()));
  auto ids = stmt->all([](const Statement& row) { return AuthSessionId(row.int64(0)); });
  if (!ids.ok()) return ids.error();
  std::sort(ids->begin(), ids->end());
  return ids;
}

}  // namespace messenger::storage::sqlite

#undef USER_COLUMNS
