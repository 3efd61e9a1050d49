#pragma once

#include <QApplication>
#include <QElapsedTimer>
#include <QLockFile>
#include <QObject>
#include <QPointer>
#include <QSettings>
#include <QStringList>
#include <QTimer>
#include <QUrl>
#include <chrono>
#include <memory>

#include "messenger/client/session.h"

namespace messenger::desktop {

class MainWindow;
class SignInWindow;
class Tray;

/// How messenger-desktop was started.
struct AppOptions {
  /// This device's client data (cache, kept login, window layout). Default: the platform's
  /// application data folder; MESSENGER_PROFILE_DIR or --profile-dir override it.
  QString profile_dir;
  /// --server: prefills the sign-in window.
  QUrl server;
};

/// Reads --profile-dir DIR, --server URL (and --help, --version) from `arguments` (the first is
/// the program), then MESSENGER_PROFILE_DIR. Exits with a message on bad arguments, like any
/// command-line program. Call after the application's name is set.
AppOptions parse_options(const QStringList& arguments);

/// Sets presence to away after the user has not touched the application (keys, mouse, wheel)
/// for a while, and back to online on the next touch. Watches every event through an
/// application event filter, so it must stay cheap: a type check and a timer restart.
class IdleWatcher : public QObject {
  Q_OBJECT

 public:
  explicit IdleWatcher(QObject* parent = nullptr);
  ~IdleWatcher() override;

  void set_session(client::Session* session);
  /// Zero or less: never away.
  void set_away_after(std::chrono::milliseconds idle);
  [[nodiscard]] bool away() const { return away_; }
  /// Looks at the idle time now (a timer calls it every few seconds).
  void check();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QPointer<client::Session> session_;
  QElapsedTimer last_input_;
  QTimer timer_;
  std::chrono::milliseconds away_after_{std::chrono::minutes(10)};
  bool away_ = false;
};

/// The application: owns the Session and shows the sign-in window or the main window (at once,
/// with cached data, when a login was kept), the tray icon, the theme from the settings, and
/// away-after-idle. Signing out or a rejected login goes back to the sign-in window with a new
/// Session. One instance per profile folder (a lock file in it).
class App : public QObject {
  Q_OBJECT

 public:
  App(QApplication& application, AppOptions options, QObject* parent = nullptr);
  ~App() override;

  /// Shows the first window. False when another instance uses the profile folder.
  bool start();

  [[nodiscard]] client::Session& session() const { return *session_; }
  [[nodiscard]] MainWindow* main_window() const { return main_window_.get(); }
  [[nodiscard]] SignInWindow* sign_in_window() const { return sign_in_.get(); }
  [[nodiscard]] Tray* tray() const { return tray_.get(); }
  [[nodiscard]] IdleWatcher& idle_watcher() { return idle_; }
  [[nodiscard]] const QString& profile_dir() const { return options_.profile_dir; }

 private:
  void create_session();
  void show_sign_in(const QString& message);
  void show_main();
  void on_signed_in();
  void on_sign_in_failed(client::SignInProblem problem, const QString& message,
                         const QString& fingerprint);
  void apply_settings();
  void save_ui_state();
  void quit();
  [[nodiscard]] QString account_key() const;

  QApplication& application_;
  AppOptions options_;
  QLockFile lock_;
  QSettings ui_state_;
  IdleWatcher idle_;
  std::unique_ptr<client::Session> session_;
  std::unique_ptr<SignInWindow> sign_in_;
  std::unique_ptr<MainWindow> main_window_;
  std::unique_ptr<Tray> tray_;
  bool starting_ = false;
};

}  // namespace messenger::desktop
