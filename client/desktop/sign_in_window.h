#pragma once

#include <QUrl>
#include <QWidget>

#include "messenger/client/session.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace messenger::desktop {

/// The first window without a kept login: server address, username, password, "Keep me signed
/// in". Enter signs in; the inputs are disabled meanwhile; a failure is explained in the status
/// line in words that say what to do. An unknown or changed wss:// certificate is shown for the
/// user to trust (Session::trust_certificate) before signing in continues.
class SignInWindow : public QWidget {
  Q_OBJECT

 public:
  /// The address offered when none is known: the server's default port (docs/admin-guide.md).
  static constexpr const char* kDefaultServer = "ws://localhost:7700/ws";

  explicit SignInWindow(client::Session& session, QWidget* parent = nullptr);
  ~SignInWindow() override;

  void set_server(const QUrl& server);
  void set_username(const QString& username);
  /// Shows `text` in the status line (red when `error`).
  void show_message(const QString& text, bool error = true);
  [[nodiscard]] bool busy() const { return busy_; }

  /// What to tell the user about a failed sign-in.
  [[nodiscard]] static QString problem_text(client::SignInProblem problem, const QUrl& server,
                                            const QString& detail);
  /// "host:port", "host" or a full address -> ws://host:port/ws; invalid when it cannot be.
  [[nodiscard]] static QUrl normalized_server(const QString& text);

  /// Signs in with what is filled in.
  void submit();

 private:
  void set_busy(bool busy);
  void on_failed(client::SignInProblem problem, const QString& message, const QString& fingerprint);

  client::Session& session_;
  QLineEdit* server_ = nullptr;
  QLineEdit* username_ = nullptr;
  QLineEdit* password_ = nullptr;
  QCheckBox* keep_ = nullptr;
  QPushButton* sign_in_ = nullptr;
  QLabel* status_ = nullptr;
  QUrl server_url_;
  bool busy_ = false;
};

}  // namespace messenger::desktop
