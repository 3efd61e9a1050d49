// Profiles, settings, the employee directory, and the administrators' user management.

#include <algorithm>
#include <cctype>

#include "service_impl.h"

namespace messenger::service {

namespace {

constexpr std::size_t kMaxUsernameChars = 32;

/// Usernames are stored lower-case: [a-z0-9._-], 1..32 characters.
Result<std::string> normalize_username(std::string_view raw) {
  std::string name(raw);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool valid_chars = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isdigit(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > kMaxUsernameChars || !valid_chars) {
    return Error{Errc::bad_request,
                 "field 'username' must be 1 to 32 characters of a-z, 0-9, '.', '_' or '-'"};
  }
  return name;
}

}  // namespace

Status Service::Impl::handle(const RequestContext& ctx, const protocol::GetMe&) {
  auto me = load_user(caller(ctx));
  if (!me.ok()) return me.error();
  reply(ctx, protocol::UserResult{view(me.value())});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::GetUsers& r) {
  auto users = store_.get_users(r.user_ids);
  if (!users.ok()) return users.error();
  protocol::UsersResult result;
  for (const auto& user : users.value()) result.users.push_back(view(user));
  reply(ctx, result);
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::UpdateProfile& r) {
  auto me = load_user(caller(ctx));
  if (!me.ok()) return me.error();
  core::Profile profile = me->profile;
  if (r.display_name) {
    if (r.display_name->empty()) {
      return Error{Errc::bad_request, "field 'display_name' must not be empty"};
    }
    profile.display_name = *r.display_name;
  }
  if (r.department) profile.department = *r.department;
  if (r.title) profile.title = *r.title;
  if (r.status_text) profile.status_text = *r.status_text;
  MESSENGER_TRY(check_storage(store_.update_profile(me->id, profile)));
  me->profile = profile;
  const auto frame = make_frame(protocol::encode_event(protocol::UserUpdatedEvent{view(*me)}));
  auto contacts = store_.contacts_of(me->id);
  if (!contacts.ok()) return contacts.error();
  send_to_users(contacts.value(), frame);
  send_to_user(me->id, frame, ctx.connection_id);
  reply(ctx, protocol::UserResult{view(*me)});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::SearchDirectory& r) {
  auto me = load_user(caller(ctx));
  if (!me.ok()) return me.error();
  storage::UserQuery query;
  query.text = r.query;
  query.department = r.department;
  query.include_disabled = me->is_admin;
  query.after = r.after;
  query.limit = r.limit;
  auto users = store_.search_users(query);
  if (!users.ok()) return users.error();
  protocol::UsersResult result;
  for (const auto& user : users.value()) result.users.push_back(view(user));
  reply(ctx, result);
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::GetSettings&) {
  auto settings = store_.get_settings(caller(ctx));
  if (!settings.ok()) return settings.error();
  reply(ctx, protocol::SettingsResult{std::move(settings.value())});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::SetSettings& r) {
  const UserId me = caller(ctx);
  MESSENGER_TRY(check_storage(store_.put_settings(me, r.settings_json)));
  send_to_user(me,
               make_frame(protocol::encode_event(protocol::SettingsUpdatedEvent{r.settings_json})),
               ctx.connection_id);
  reply(ctx, protocol::EmptyResult{});
  return core::Ok{};
}

// ---- administration ----

Status Service::Impl::handle(const RequestContext& ctx, const protocol::AdminCreateUser& r) {
  MESSENGER_TRY(require_admin(ctx));
  auto username = normalize_username(r.username);
  if (!username.ok()) return username.error();
  auto existing = store_.find_user_by_username(username.value());
  if (!existing.ok()) return existing.error();
  if (existing.value()) return Error{Errc::conflict, "the username is taken"};

  storage::NewUser user;
  user.username = username.value();
  user.profile.display_name = r.display_name.empty() ? username.value() : r.display_name;
  user.profile.department = r.department;
  user.profile.title = r.title;
  user.profile.email = r.email;
  user.is_admin = r.is_admin;
  const bool generated = !r.password.has_value();
  const std::string password = generated ? generate_password() : *r.password;
  run_off_thread<Result<std::string>>(
      [this, password] { return hasher_.hash(password); },
      [this, ctx, user = std::move(user), generated, password](Result<std::string> hash) mutable {
        if (connection(ctx.connection_id) == nullptr) return;
        if (!hash.ok()) {
          reply_error(ctx, hash.error());
          return;
        }
        user.password_hash = std::move(hash.value());
        user.created_at = clock_.now_ms();
        auto created = store_.create_user(user);
        if (!created.ok()) {
          note_failure(created.error());
          reply_error(ctx, created.error());
          return;
        }
        protocol::CreatedUserResult result{view(created.value()), std::nullopt};
        if (generated) result.password = password;
        reply(ctx, result);
      });
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::AdminResetPassword& r) {
  MESSENGER_TRY(require_admin(ctx));
  auto target = load_user(r.user_id);
  if (!target.ok()) return target.error();
  const bool generated = !r.password.has_value();
  const std::string password = generated ? generate_password() : *r.password;
  run_off_thread<Result<std::string>>(
      [this, password] { return hasher_.hash(password); },
      [this, ctx, user = r.user_id, generated, password](Result<std::string> hash) {
        if (connection(ctx.connection_id) == nullptr) return;
        if (!hash.ok()) {
          reply_error(ctx, hash.error());
          return;
        }
        Status status = check_storage(store_.set_password_hash(user, hash.value()));
        if (status.ok()) {
          auto revoked = store_.delete_auth_sessions_of(user, std::nullopt);
          if (!revoked.ok()) status = check_storage(revoked.error());
        }
        if (!status.ok()) {
          reply_error(ctx, status.error());
          return;
        }
        close_user_connections(user, protocol::CloseCode::session_revoked,
                               "password reset by an administrator", ctx.connection_id);
        reply(ctx, protocol::PasswordResult{generated ? std::optional(password) : std::nullopt});
      });
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::AdminSetDisabled& r) {
  MESSENGER_TRY(require_admin(ctx));
  auto target = load_user(r.user_id);
  if (!target.ok()) return target.error();
  if (r.disabled && target->id == caller(ctx)) {
    return Error{Errc::bad_request, "you cannot disable your own account"};
  }
  MESSENGER_TRY(check_storage(store_.set_disabled(target->id, r.disabled)));
  if (r.disabled) {
    auto revoked = store_.delete_auth_sessions_of(target->id, std::nullopt);
    if (!revoked.ok()) return check_storage(revoked.error());
    close_user_connections(target->id, protocol::CloseCode::account_disabled,
                           "account disabled by an administrator");
  }
  target->disabled = r.disabled;
  reply(ctx, protocol::UserResult{view(target.value())});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::AdminSetAdmin& r) {
  MESSENGER_TRY(require_admin(ctx));
  auto target = load_user(r.user_id);
  if (!target.ok()) return target.error();
  if (!r.is_admin && target->id == caller(ctx)) {
    return Error{Errc::bad_request, "you cannot revoke your own administrator role"};
  }
  MESSENGER_TRY(check_storage(store_.set_admin(target->id, r.is_admin)));
  target->is_admin = r.is_admin;
  send_to_user(target->id,
               make_frame(protocol::encode_event(protocol::UserUpdatedEvent{view(*target)})));
  reply(ctx, protocol::UserResult{view(target.value())});
  return core::Ok{};
}

Result<std::string> Service::Impl::bootstrap_admin(const std::string& username,
                                                   const std::string& password) {
  auto count = store_.count_users();
  if (!count.ok()) return count.error();
  if (count.value() > 0) return std::string();
  auto name = normalize_username(username);
  if (!name.ok()) return name.error();
  const std::string used = password.empty() ? generate_password() : password;
  auto hash = hasher_.hash(used);
  if (!hash.ok()) return hash.error();
  storage::NewUser admin;
  admin.username = name.value();
  admin.password_hash = hash.value();
  admin.profile.display_name = "Administrator";
  admin.is_admin = true;
  admin.created_at = clock_.now_ms();
  auto created = store_.create_user(admin);
  // Another server process on the same database created it first: that one prints it.
  if (!created.ok() && created.error().code == Errc::conflict) return std::string();
  if (!created.ok()) return created.error();
  return used;
}

}  // namespace messenger::service
