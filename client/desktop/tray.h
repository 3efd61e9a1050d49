#pragma once

#include <QIcon>
#include <QObject>
#include <QString>
#include <memory>

#include "messenger/core/domain.h"

class QMenu;
class QSystemTrayIcon;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

class MainWindow;

/// The tray icon (when the desktop has a tray): the unread total drawn on the icon, a menu with
/// Show and Quit, a click toggles the window. Notifies about messages from others in
/// conversations the user is not looking at (not muted, if the settings allow it; the text only
/// if previews are on); without a tray it asks the taskbar to flash the window instead.
class Tray : public QObject {
  Q_OBJECT

 public:
  Tray(client::Session& session, MainWindow& window, QObject* parent = nullptr);
  ~Tray() override;

  [[nodiscard]] bool available() const { return icon_ != nullptr; }

  /// The application icon with `unread` on a badge (none for 0).
  [[nodiscard]] static QIcon make_icon(qint64 unread);

  /// What a notification about `message` says, or an empty title when there should be none.
  struct Notice {
    QString title;
    QString text;
    core::ConversationId conversation;
  };
  [[nodiscard]] Notice notice_for(const core::Message& message) const;
  /// The last notification shown (for tests).
  [[nodiscard]] const Notice& last_notice() const { return last_; }
  [[nodiscard]] int notices_shown() const { return shown_; }

 signals:
  void quitRequested();

 private:
  void on_message(const core::Message& message);
  void update_icon(qint64 unread);

  client::Session& session_;
  MainWindow& window_;
  QSystemTrayIcon* icon_ = nullptr;
  std::unique_ptr<QMenu> menu_;
  Notice last_;
  int shown_ = 0;
};

}  // namespace messenger::desktop
