#pragma once

#include <QDialog>
#include <QString>
#include <vector>

#include "messenger/core/ids.h"
#include "messenger/core/result.h"

class QLabel;
class QLineEdit;
class QPushButton;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

class PeoplePicker;

/// Starts a conversation. direct: search the directory and pick one person
/// (Session::open_direct). group / channel: a name, a topic and members picked from directory
/// searches (Session::create_conversation); picks survive a new search. Errors are shown in the
/// dialog, which stays open; on success conversationOpened() is emitted and the dialog closes.
class NewConversationDialog : public QDialog {
  Q_OBJECT

 public:
  enum class Mode { direct, group, channel };

  NewConversationDialog(client::Session& session, Mode mode, QWidget* parent = nullptr);

  [[nodiscard]] Mode mode() const { return mode_; }
  /// group and channel: the people picked so far, in the order they were picked. direct: the
  /// person in the current row, if any.
  [[nodiscard]] std::vector<core::UserId> picked() const;

  void accept() override;

 signals:
  void conversationOpened(messenger::core::ConversationId id);

 private:
  void update_ok();
  void show_error(const QString& text);
  void finish(core::Result<core::ConversationId> result, const QString& what);

  client::Session& session_;
  Mode mode_;
  bool busy_ = false;
  QLineEdit* name_ = nullptr;
  QLineEdit* topic_ = nullptr;
  PeoplePicker* picker_ = nullptr;
  QLabel* error_ = nullptr;
  QPushButton* ok_ = nullptr;
};

}  // namespace messenger::desktop
