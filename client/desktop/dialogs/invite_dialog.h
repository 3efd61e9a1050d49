#pragma once

#include <QDialog>
#include <QString>
#include <vector>

#include "messenger/core/ids.h"
#include "messenger/core/result.h"

class QLabel;
class QPushButton;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

class PeoplePicker;

/// Invites people to a group or channel (Session::invite): people are picked from directory
/// searches; the members already there are not offered, and the list follows
/// Session::conversationChanged while the dialog is open. Whether I may invite is the server's
/// call: its refusal (not a member, archived, ...) is shown in the dialog, which stays open. On
/// success invited() is emitted and the dialog closes.
class InviteDialog : public QDialog {
  Q_OBJECT

 public:
  InviteDialog(client::Session& session, core::ConversationId conversation,
               QWidget* parent = nullptr);

  [[nodiscard]] core::ConversationId conversation() const { return conversation_; }
  /// The people picked so far, in the order they were picked.
  [[nodiscard]] std::vector<core::UserId> picked() const;

  void accept() override;

 signals:
  void invited(messenger::core::ConversationId id);

 private:
  void refresh_conversation();
  void update_invite();
  void show_error(const QString& text);
  void finish(const core::Status& result);

  client::Session& session_;
  core::ConversationId conversation_;
  bool busy_ = false;
  bool known_ = false;  // the conversation was in the session at some point
  bool gone_ = false;   // ...and then left it: I am no longer a member
  PeoplePicker* picker_ = nullptr;
  QLabel* heading_ = nullptr;
  QLabel* members_ = nullptr;
  QLabel* error_ = nullptr;
  QPushButton* invite_ = nullptr;
};

}  // namespace messenger::desktop
