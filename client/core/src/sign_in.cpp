#include "sign_in.h"

#include <QLoggingCategory>
#include <QSysInfo>
#include <QTimer>
#include <utility>

#include "session_core.h"
#include "sync.h"

namespace messenger::client::detail {
namespace {

Q_LOGGING_CATEGORY(lcSignIn, "messenger.client.sign_in")

/// How long sign_out() waits for the logout reply before closing the socket anyway.
constexpr std::chrono::milliseconds kLogoutWait{3'000};

QString text(const core::Error& error) {
  return QString::fromStdString(error.message);
}

}  // namespace

SignIn::SignIn(SessionCore& core, Sync& sync, std::function<void()> reset)
    : core_(core), sync_(sync), reset_(std::move(reset)) {}

void SignIn::sign_in(const SignInRequest& request) {
  stop();
  core_.server = request.server;
  core_.username = request.username.trimmed();
  keep_ = request.keep_signed_in;
  pending_ = request;
  if (auto opened = core_.open_cache(); !opened.ok()) {
    fail(SignInProblem::other,
         Session::tr("Cannot open the local cache: %1").arg(text(opened.error())));
    return;
  }
  core_.load_from_cache();
  open_connection();
}

bool SignIn::resume_saved() {
  auto kept = core_.logins.kept();
  if (!kept) return false;
  stop();
  core_.server = kept->server;
  core_.username = kept->username;
  core_.token = std::move(kept->token);
  keep_ = true;
  pending_.reset();
  if (auto opened = core_.open_cache(); !opened.ok()) {
    fail(SignInProblem::other,
         Session::tr("Cannot open the local cache: %1").arg(text(opened.error())));
    return true;
  }
  core_.load_from_cache();
  core_.signed_in = true;
  emit core_.q.signedIn();  // the window shows the cached data while the socket connects
  if (core_.cache) open_connection();
  return true;
}

void SignIn::trust_certificate(const QString& sha256_fingerprint) {
  if (!core_.cache) return;
  core_.logins.set_pin(core_.server, sha256_fingerprint);
  open_connection();
}

void SignIn::sign_out() {
  forget_kept_token();
  if (core_.authenticated) {
    // Revoke the token on the server, then close; the account is forgotten here at once.
    std::weak_ptr<int> alive = core_.account;
    const int opened = opens_;
    core_.connection->request(
        protocol::Logout{},
        [this, alive, opened](const core::Result<protocol::ServerFrame>&) {
          if (alive.expired() || opened != opens_) return;
          ++opens_;
          core_.connection->close();
        },
        kLogoutWait);
    pending_.reset();
    reset_();
  } else {
    pending_.reset();
    stop();
  }
  emit core_.q.signedOut({});
}

std::optional<SavedLogin> SignIn::saved_login() const {
  auto kept = core_.logins.kept();
  if (!kept) return std::nullopt;
  return SavedLogin{kept->server, kept->username};
}

void SignIn::on_ready() {
  if (!core_.cache) {
    core_.connection->close();  // signed out while the socket was connecting
    return;
  }
  if (pending_) {
    login();
  } else if (!core_.token.empty()) {
    resume();
  } else {
    core_.connection->close();
  }
}

void SignIn::login() {
  protocol::Login body{pending_->username.trimmed().toStdString(), pending_->password.toStdString(),
                       ("messenger-desktop on " + QSysInfo::machineHostName()).toStdString()};
  core_.call<protocol::LoginResult>(
      std::move(body), [this](core::Result<protocol::LoginResult> result) {
        if (result.ok()) {
          pending_.reset();
          core_.token = result.value().token;
          if (keep_) {
            core_.logins.keep({core_.server, core_.username, core_.token});
          } else {
            // "Keep me signed in" unticked: no earlier login of this profile starts on its own.
            core_.logins.forget();
          }
          logged_in(result.value().user);
          return;
        }
        const core::Error error = result.error();
        if (error.code == core::Errc::unavailable) {
          // Connection fails the requests of a lost socket before it reports the new state:
          // look after this turn of the event loop. A lost socket logs in again on the next
          // ready(); a timeout or a storage failure on a live one ends the attempt.
          QTimer::singleShot(0, &core_.q, [this, guard = core_.guard(), error] {
            if (guard && pending_ && core_.connection->state() == ConnectionState::ready) {
              fail(SignInProblem::other, text(error));
            }
          });
          return;
        }
        switch (error.code) {
          case core::Errc::invalid_credentials:
            fail(SignInProblem::invalid_credentials, text(error));
            break;
          case core::Errc::account_disabled:
            fail(SignInProblem::account_disabled, text(error));
            break;
          case core::Errc::throttled:
            fail(SignInProblem::throttled, text(error));
            break;
          default:
            fail(SignInProblem::other, text(error));
            break;
        }
      });
}

void SignIn::resume() {
  core_.call<protocol::LoginResult>(
      protocol::Resume{core_.token}, [this](core::Result<protocol::LoginResult> result) {
        if (result.ok()) {
          logged_in(result.value().user);
          return;
        }
        const core::Error& error = result.error();
        switch (error.code) {
          case core::Errc::token_invalid:
            forget_kept_token();
            if (core_.ever_authenticated) {
              end(Session::tr("Your session has ended. Please sign in again."));
            } else {
              fail(SignInProblem::token_rejected, text(error));
            }
            return;
          case core::Errc::account_disabled:
            forget_kept_token();
            if (core_.ever_authenticated) {
              end(Session::tr("Your account has been disabled. Please contact an administrator."));
            } else {
              fail(SignInProblem::account_disabled, text(error));
            }
            return;
          default:
            if (core_.connection->state() == ConnectionState::ready) {
              // The server could not answer; try again on a new socket, with backoff.
              qCWarning(lcSignIn) << "auth.resume failed:" << text(error);
              core_.connection->drop();
            }
            return;
        }
      });
}

void SignIn::logged_in(const protocol::UserView& user) {
  core_.set_me(user);
  core_.authenticated = true;
  core_.ever_authenticated = true;
  core_.update_state();
  if (!core_.signed_in) {
    core_.signed_in = true;
    emit core_.q.signedIn();
    if (!core_.authenticated) return;  // signed out from a slot
  }
  sync_.start();
}

void SignIn::on_connect_failed(const QString& message) {
  // Before the first login of a password sign-in the user waits for an answer; otherwise the
  // connection keeps trying (the window shows the cached data meanwhile).
  if (pending_ && !core_.ever_authenticated) fail(SignInProblem::unreachable, message);
}

void SignIn::on_certificate_rejected(const QString& sha256_fingerprint, bool pin_mismatch) {
  if (!core_.cache) return;
  // The account stays as it is: trust_certificate() pins the fingerprint and tries again.
  emit core_.q.signInFailed(
      pin_mismatch ? SignInProblem::certificate_changed : SignInProblem::certificate_untrusted,
      pin_mismatch ? Session::tr("The server's certificate has changed since it was trusted.")
                   : Session::tr("The server's certificate is not trusted by this computer."),
      sha256_fingerprint);
}

void SignIn::on_fatal_error(const core::Error& error) {
  if (!core_.cache) return;
  fail(error.code == core::Errc::unsupported_version ? SignInProblem::incompatible_server
                                                     : SignInProblem::other,
       text(error));
}

void SignIn::on_closed(int code, const QString& reason) {
  if (!core_.cache) return;
  const bool revoked = code == static_cast<int>(protocol::CloseCode::session_revoked);
  const bool disabled = code == static_cast<int>(protocol::CloseCode::account_disabled);
  if (!revoked && !disabled) return;  // the connection reconnects; the next login catches up
  forget_kept_token();
  if (core_.ever_authenticated) {
    end(disabled ? Session::tr("Your account has been disabled. Please contact an administrator.")
                 : Session::tr("You were signed out: the session was ended on another device or by "
                               "an administrator. Please sign in again."));
  } else {
    fail(disabled ? SignInProblem::account_disabled : SignInProblem::token_rejected, reason);
  }
}

void SignIn::fail(SignInProblem problem, const QString& message, const QString& fingerprint) {
  pending_.reset();
  stop();
  emit core_.q.signInFailed(problem, message, fingerprint);
}

void SignIn::end(const QString& reason) {
  pending_.reset();
  stop();
  emit core_.q.signedOut(reason);
}

void SignIn::stop() {
  reset_();
  ++opens_;
  core_.connection->close();
  core_.update_state();
}

void SignIn::open_connection() {
  ++opens_;
  core_.connection->open(core_.server, core_.logins.pin(core_.server), core_.backoff);
  core_.update_state();
}

void SignIn::forget_kept_token() {
  core_.token.clear();
  const auto kept = core_.logins.kept();
  if (kept && kept->server == core_.server &&
      kept->username.compare(core_.username, Qt::CaseInsensitive) == 0) {
    core_.logins.forget();
  }
}

}  // namespace messenger::client::detail
