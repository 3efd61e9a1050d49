#pragma once

#include <QString>
#include <functional>
#include <optional>

#include "messenger/client/session.h"

namespace messenger::client::detail {

struct SessionCore;
class Sync;

/// Signing in and out: a password login or a kept token, the login on every new socket (the
/// token stays in memory for reconnects even when it is not kept on disk), the kept login in
/// login.ini, the certificate pin, and the ends of a session (revoked, disabled, signed out).
/// A failure before the first successful login is signInFailed(); after it, the server ending
/// the session is signedOut(reason).
class SignIn {
 public:
  /// `reset` forgets the account in every part of the Session.
  SignIn(SessionCore& core, Sync& sync, std::function<void()> reset);

  void sign_in(const SignInRequest& request);
  bool resume_saved();
  void trust_certificate(const QString& sha256_fingerprint);
  void sign_out();
  [[nodiscard]] std::optional<SavedLogin> saved_login() const;

  // ---- Connection's signals ----
  void on_ready();
  void on_connect_failed(const QString& message);
  void on_certificate_rejected(const QString& sha256_fingerprint, bool pin_mismatch);
  void on_fatal_error(const core::Error& error);
  void on_closed(int code, const QString& reason);

 private:
  void login();
  void resume();
  void logged_in(const protocol::UserView& user);
  /// Ends a sign-in that did not succeed: signInFailed().
  void fail(SignInProblem problem, const QString& message, const QString& fingerprint = {});
  /// Ends a session the server ended: signedOut(reason).
  void end(const QString& reason);
  /// Forgets the account and closes the socket.
  void stop();
  void open_connection();
  /// Removes the kept login of the current account from the disk.
  void forget_kept_token();

  SessionCore& core_;
  Sync& sync_;
  std::function<void()> reset_;
  /// A password sign-in that the server has not answered yet (kept for a retry after a lost
  /// socket or a trusted certificate; never written anywhere).
  std::optional<SignInRequest> pending_;
  bool keep_ = false;
  int opens_ = 0;  // counts open() and close(): a late logout reply closes only its own socket
};

}  // namespace messenger::client::detail
