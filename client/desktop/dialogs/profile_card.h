#pragma once

#include <QColor>
#include <QDateTime>
#include <QDialog>
#include <QPixmap>
#include <QString>

#include "messenger/core/ids.h"
#include "messenger/protocol/messages.h"

class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

/// "Online", "Away", "Offline, last seen today at 14:05"; `now` for tests.
[[nodiscard]] QString presence_text(const protocol::UserView& user,
                                    const QDateTime& now = QDateTime::currentDateTime());
/// The colour of the presence dot.
[[nodiscard]] QColor presence_color(protocol::PresenceState state);
/// A round picture with the person's initials on a colour derived from their id.
[[nodiscard]] QPixmap initials_avatar(const QString& name, core::UserId id, int size);

/// One person's card: display name, username, title, department, email, status text, presence
/// with last seen. "Send message" opens (or creates) the direct conversation, emits
/// conversationOpened() and closes. On my own card the status text is editable instead.
/// Follows Session::userChanged(), so presence and profile stay current while it is open.
class ProfileCard : public QDialog {
  Q_OBJECT

 public:
  ProfileCard(client::Session& session, core::UserId user, QWidget* parent = nullptr);

  [[nodiscard]] core::UserId user_id() const { return user_; }

 signals:
  void conversationOpened(messenger::core::ConversationId id);

 private:
  void refresh();
  void send_message();
  void save_status();
  void show_error(const QString& text);

  client::Session& session_;
  core::UserId user_;
  bool is_me_ = false;
  QString saved_status_;  // my status text as last known to be on the server
  QFormLayout* fields_ = nullptr;
  QLabel* avatar_ = nullptr;
  QLabel* display_name_ = nullptr;
  QLabel* username_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* department_ = nullptr;
  QLabel* email_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* presence_ = nullptr;
  QLabel* error_ = nullptr;
  QLineEdit* status_edit_ = nullptr;
  QPushButton* save_status_ = nullptr;
  QPushButton* send_ = nullptr;
};

}  // namespace messenger::desktop
