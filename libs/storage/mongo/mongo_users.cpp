// Users, their settings documents and their login sessions.

#include <fmt/format.h>

#include "mongo_store_impl.h"

namespace messenger::storage::mongo {

using core::Errc;
using core::Error;

namespace {

BsonDoc by_id(std::int64_t id) {
  return bson().i64("_id", id);
}

/// Every user field but the password hash.
BsonDoc without_password() {
  return bson().i32("password_hash", 0);
}

std::vector<User> users_from(const std::vector<BsonDoc>& docs) {
  std::vector<User> out;
  out.reserve(docs.size());
  for (const auto& doc : docs) out.push_back(user_from(doc));
  return out;
}

}  // namespace

Result<User> MongoStore::create_user(const NewUser& user) {
  Session session(*this);
  // Checked first so that a taken name does not use up an id; the unique index decides.
  auto taken = session->find_one(collections::users, bson().str("username", user.username),
                                 "look up username");
  if (!taken.ok()) return taken.error();
  if (*taken) return Error{Errc::conflict, "username is taken"};
  auto id = next_id(session, "users");
  if (!id.ok()) return id.error();
  User created{.id = UserId(*id),
               .username = user.username,
               .profile = user.profile,
               .is_admin = user.is_admin,
               .disabled = false,
               .created_at = user.created_at,
               .last_seen = 0};
  if (auto done = insert(session, collections::users, by_id(*id),
                         user_document(created, user.password_hash), "create user");
      !done.ok()) {
    if (is_duplicate_key(done.error())) return Error{Errc::conflict, "username is taken"};
    return done.error();
  }
  return created;
}

Result<std::optional<User>> MongoStore::find_user(UserId id) {
  Session session(*this);
  FindOptions options;
  options.projection = without_password();
  options.limit = 1;
  auto found = session->find(collections::users, by_id(id.value()), options, "find user");
  if (!found.ok()) return found.error();
  if (found->empty()) return std::optional<User>{};
  return std::optional<User>(user_from(found->front()));
}

Result<std::optional<UserCredentials>> MongoStore::find_user_by_username(std::string_view name) {
  Session session(*this);
  auto found =
      session->find_one(collections::users, bson().str("username", name), "find user by username");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<UserCredentials>{};
  return std::optional<UserCredentials>(
      UserCredentials{user_from(**found), (*found)->string("password_hash")});
}

Result<std::vector<User>> MongoStore::get_users(std::span<const UserId> ids) {
  if (ids.empty()) return std::vector<User>{};
  std::vector<std::int64_t> values;
  for (UserId id : ids) values.push_back(id.value());
  Session session(*this);
  FindOptions options;
  options.projection = without_password();
  options.sort = bson().i32("_id", 1);
  auto found =
      session->find(collections::users, bson().doc("_id", in_list(values)), options, "get users");
  if (!found.ok()) return found.error();
  return users_from(*found);
}

Result<std::vector<User>> MongoStore::search_users(const UserQuery& query) {
  if (query.limit <= 0) return std::vector<User>{};
  BsonDoc filter;
  filter.doc("_id", bson().i64("$gt", query.after.value()));
  if (!query.text.empty()) {
    const auto pattern = contains_regex(query.text);
    std::vector<BsonDoc> any;
    for (std::string_view field : {"username", "display_name", "department", "title"}) {
      any.push_back(
          std::move(bson().doc(field, bson().str("$regex", pattern).str("$options", "i"))));
    }
    filter.doc_array("$or", any);
  }
  if (!query.department.empty()) {
    // Exact, ignoring case (as the embedded store's COLLATE NOCASE).
    filter.doc(
        "department",
        bson().str("$regex", "^" + contains_regex(query.department) + "$").str("$options", "i"));
  }
  if (!query.include_disabled) filter.boolean("disabled", false);
  Session session(*this);
  FindOptions options;
  options.projection = without_password();
  options.sort = bson().i32("_id", 1);
  options.limit = query.limit;
  auto found = session->find(collections::users, filter, options, "search users");
  if (!found.ok()) return found.error();
  return users_from(*found);
}

Result<std::int64_t> MongoStore::count_users() {
  Session session(*this);
  return session->count(collections::users, bson(), "count users");
}

Status MongoStore::update_profile(UserId id, const Profile& profile) {
  Session session(*this);
  return set_fields(session, collections::users, by_id(id.value()), profile_fields(profile),
                    "update profile");
}

Status MongoStore::set_password_hash(UserId id, std::string_view password_hash) {
  Session session(*this);
  return set_fields(session, collections::users, by_id(id.value()),
                    bson().str("password_hash", password_hash), "set password hash");
}

Status MongoStore::set_disabled(UserId id, bool disabled) {
  Session session(*this);
  return set_fields(session, collections::users, by_id(id.value()),
                    bson().boolean("disabled", disabled), "set disabled");
}

Status MongoStore::set_admin(UserId id, bool is_admin) {
  Session session(*this);
  return set_fields(session, collections::users, by_id(id.value()),
                    bson().boolean("is_admin", is_admin), "set admin");
}

Status MongoStore::set_last_seen(UserId id, TimestampMs when) {
  Session session(*this);
  return set_fields(session, collections::users, by_id(id.value()), bson().i64("last_seen", when),
                    "set last seen");
}

// ---- settings: one document per user, its JSON text kept byte for byte ----

Result<std::string> MongoStore::get_settings(UserId id) {
  Session session(*this);
  auto found = session->find_one(collections::settings, by_id(id.value()), "get settings");
  if (!found.ok()) return found.error();
  if (!*found) return std::string("{}");
  return (*found)->string("json");
}

Status MongoStore::put_settings(UserId id, std::string_view settings_json) {
  Session session(*this);
  auto existing = session->find_one(collections::settings, by_id(id.value()), "get settings");
  if (!existing.ok()) return existing.error();
  if (*existing) {
    return set_fields(session, collections::settings, by_id(id.value()),
                      bson().str("json", settings_json), "put settings");
  }
  return insert(session, collections::settings, by_id(id.value()),
                bson().i64("_id", id.value()).str("json", settings_json), "put settings");
}

// ---- login sessions ----

Result<AuthSession> MongoStore::create_auth_session(const AuthSession& auth) {
  Session session(*this);
  auto id = next_id(session, "auth_sessions");
  if (!id.ok()) return id.error();
  AuthSession created = auth;
  created.id = AuthSessionId(*id);
  MESSENGER_TRY(insert(session, collections::auth_sessions, by_id(*id), session_document(created),
                       "create auth session"));
  return created;
}

Result<std::optional<AuthSession>> MongoStore::find_auth_session(std::string_view token_hash) {
  Session session(*this);
  auto found = session->find_one(collections::auth_sessions, bson().str("token_hash", token_hash),
                                 "find auth session");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<AuthSession>{};
  return std::optional<AuthSession>(session_from(**found));
}

Status MongoStore::delete_auth_session(AuthSessionId id) {
  Session session(*this);
  auto removed =
      remove_one(session, collections::auth_sessions, by_id(id.value()), "delete auth session");
  if (!removed.ok()) return removed.error();
  return core::Ok{};  // deleting a session that is gone already is not an error
}

Result<std::vector<AuthSessionId>> MongoStore::delete_auth_sessions_of(
    UserId user, std::optional<AuthSessionId> keep) {
  BsonDoc filter;
  filter.i64("user_id", user.value());
  if (keep) filter.doc("_id", bson().i64("$ne", keep->value()));
  Session session(*this);
  auto removed = remove_all(session, collections::auth_sessions, filter, "delete sessions of user");
  if (!removed.ok()) return removed.error();
  std::vector<AuthSessionId> ids;
  for (const auto& doc : *removed) ids.push_back(AuthSessionId(doc.int64("_id")));
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace messenger::storage::mongo
