// Handshake, login, resume, logout and password changes.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "service_impl.h"

namespace messenger::service {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct LoginCheck {
  bool password_ok = false;
};

}  // namespace

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Hello& r) {
  if (r.version != protocol::kProtocolVersion) {
    return Error{Errc::unsupported_version, "this server speaks protocol version " +
                                                std::to_string(protocol::kProtocolVersion) +
                                                "; update the client"};
  }
  connection(ctx.connection_id)->hello_done = true;
  reply(ctx,
        protocol::HelloResult{protocol::kProtocolVersion, config_.server_name, config_.limits});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Login& r) {
  auto* state = connection(ctx.connection_id);
  if (state->authenticated()) {
    return Error{Errc::bad_request, "already logged in; send auth.logout first"};
  }
  const std::string username = lower(r.username);
  const std::string address = state->remote_address;
  if (throttle_.blocked(username, address, clock_.steady_now())) {
    metrics_.logins_failed.fetch_add(1);
    return Error{Errc::throttled, "too many failed logins; wait a minute and try again"};
  }
  auto found = store_.find_user_by_username(username);
  if (!found.ok()) return found.error();
  const bool known = found.value().has_value();
  std::string hash = known ? found.value()->password_hash : dummy_hash_;
  auto user = known ? std::optional<core::User>(found.value()->user) : std::nullopt;
  run_off_thread<LoginCheck>(
      [this, hash = std::move(hash), password = r.password] {
        return LoginCheck{hasher_.verify(hash, password)};
      },
      [this, ctx, user, username, address](LoginCheck check) {
        auto* conn = connection(ctx.connection_id);
        if (conn == nullptr || conn->closing) return;
        if (!user || !check.password_ok) {
          throttle_.record_failure(username, address, clock_.steady_now());
          metrics_.logins_failed.fetch_add(1);
          reply_error(ctx, Error{Errc::invalid_credentials, "wrong username or password"});
          return;
        }
        if (user->disabled) {
          metrics_.logins_failed.fetch_add(1);
          reply_error(
              ctx, Error{Errc::account_disabled, "this account is disabled; ask an administrator"});
          return;
        }
        if (conn->authenticated()) {
          reply_error(ctx, Error{Errc::bad_request, "already logged in"});
          return;
        }
        throttle_.record_success(username);
        const std::string token = generate_token();
        core::AuthSession session;
        session.user_id = user->id;
        session.token_hash = hash_token(token);
        session.created_at = clock_.now_ms();
        session.expires_at =
            session.created_at +
            std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_ttl).count();
        auto created = store_.create_auth_session(session);
        if (!created.ok()) {
          note_failure(created.error());
          reply_error(ctx, created.error());
          return;
        }
        if (auto status = authenticate(ctx.connection_id, *user, created->id, nullptr);
            !status.ok()) {
          reply_error(ctx, status.error());
          return;
        }
        metrics_.logins_ok.fetch_add(1);
        reply(ctx, protocol::LoginResult{token, view(*user)});
      });
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Resume& r) {
  if (connection(ctx.connection_id)->authenticated()) {
    return Error{Errc::bad_request, "already logged in; send auth.logout first"};
  }
  auto session = store_.find_auth_session(hash_token(r.token));
  if (!session.ok()) return session.error();
  if (!session.value() || session.value()->expires_at <= clock_.now_ms()) {
    return Error{Errc::token_invalid, "the session token is unknown, expired or revoked; log in"};
  }
  auto user = load_user(session.value()->user_id);
  if (!user.ok()) return Error{Errc::token_invalid, "the session's user no longer exists"};
  if (user->disabled) {
    return Error{Errc::account_disabled, "this account is disabled; ask an administrator"};
  }
  MESSENGER_TRY(authenticate(ctx.connection_id, user.value(), session.value()->id, &user.value()));
  metrics_.resumes_ok.fetch_add(1);
  reply(ctx, protocol::LoginResult{std::string(), view(user.value())});
  return core::Ok{};
}

Status Service::Impl::authenticate(ConnectionId id, const core::User& user,
                                   core::AuthSessionId session, const core::User* current) {
  auto* state = connection(id);
  const auto before = presence_of(user.id);
  state->user = user.id;
  state->auth_session = session;
  state->presence = protocol::PresenceState::online;
  user_connections_[user.id].push_back(id);
  presence_changed(user.id, before, current);
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Logout&) {
  auto* state = connection(ctx.connection_id);
  const UserId user = state->user;
  const auto session = state->auth_session;
  MESSENGER_TRY(check_storage(store_.delete_auth_session(session)));
  // Other connections that resumed the same token lose it too.
  for (ConnectionId other : std::vector<ConnectionId>(user_connections_[user])) {
    auto* s = connection(other);
    if (other != ctx.connection_id && s != nullptr && s->auth_session == session) {
      close_connection(other, protocol::CloseCode::session_revoked, "logged out");
    }
  }
  const auto before = presence_of(user);
  state->user = UserId{};
  state->auth_session = core::AuthSessionId{};
  std::erase(user_connections_[user], ctx.connection_id);
  if (user_connections_[user].empty()) user_connections_.erase(user);
  presence_changed(user, before);
  reply(ctx, protocol::EmptyResult{});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::ChangePassword& r) {
  auto found = load_user(caller(ctx));
  if (!found.ok()) return found.error();
  auto creds = store_.find_user_by_username(found->username);
  if (!creds.ok()) return creds.error();
  if (!creds.value()) return Error{Errc::not_found, "no such user"};
  struct Outcome {
    bool old_ok = false;
    Result<std::string> new_hash = Error{Errc::internal, "not computed"};
  };
  run_off_thread<std::shared_ptr<Outcome>>(
      [this, hash = creds.value()->password_hash, old_pw = r.old_password,
       new_pw = r.new_password] {
        auto out = std::make_shared<Outcome>();
        out->old_ok = hasher_.verify(hash, old_pw);
        if (out->old_ok) out->new_hash = hasher_.hash(new_pw);
        return out;
      },
      [this, ctx](std::shared_ptr<Outcome> outcome) {
        auto* conn = connection(ctx.connection_id);
        if (conn == nullptr || conn->closing || !conn->authenticated()) return;
        if (!outcome->old_ok) {
          reply_error(ctx, Error{Errc::invalid_credentials, "the current password is wrong"});
          return;
        }
        if (!outcome->new_hash.ok()) {
          reply_error(ctx, outcome->new_hash.error());
          return;
        }
        const UserId user = conn->user;
        Status status = check_storage(store_.set_password_hash(user, outcome->new_hash.value()));
        if (status.ok()) {
          auto revoked = store_.delete_auth_sessions_of(user, conn->auth_session);
          if (!revoked.ok()) status = check_storage(revoked.error());
        }
        if (!status.ok()) {
          reply_error(ctx, status.error());
          return;
        }
        close_user_connections(user, protocol::CloseCode::session_revoked,
                               "password changed on another device", ctx.connection_id);
        reply(ctx, protocol::EmptyResult{});
      });
  return core::Ok{};
}

}  // namespace messenger::service
