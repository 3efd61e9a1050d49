#pragma once

#include <QTimer>
#include <QWidget>

#include "messenger/core/ids.h"

class QLabel;
class QModelIndex;
class QToolButton;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

class Composer;
class MessageView;

/// The right side: a header (title, topic or presence, members), the messages, a line saying
/// who is typing, and the composer. Marks the conversation read when it is opened and when new
/// messages arrive while it is in front of an active window.
class ConversationView : public QWidget {
  Q_OBJECT

 public:
  explicit ConversationView(client::Session& session, QWidget* parent = nullptr);
  ~ConversationView() override;

  /// Shows `id` (invalid: nothing), keeping the draft of the one shown before.
  void set_conversation(core::ConversationId id);
  [[nodiscard]] core::ConversationId conversation() const { return conversation_; }

  /// Marks the conversation read when it has unread messages and the user can see it.
  void mark_read_if_seen();

  [[nodiscard]] MessageView* message_view() const { return messages_; }
  [[nodiscard]] Composer* composer() const { return composer_; }

 signals:
  /// "Send message" on a profile card opened from here.
  void conversationRequested(messenger::core::ConversationId id);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  /// The header's and the send button's icons, drawn in the palette's colours.
  void update_icons();
  void refresh_header();
  void refresh_typing();
  void show_notice(const QString& text);
  void show_message_menu(const QModelIndex& index, const QPoint& global_pos);
  void show_members_menu();
  void show_conversation_menu();
  void open_profile(core::UserId user);
  [[nodiscard]] core::UserId other_person() const;

  client::Session& session_;
  core::ConversationId conversation_;
  QLabel* title_ = nullptr;
  QLabel* subtitle_ = nullptr;
  QToolButton* members_ = nullptr;
  QToolButton* more_ = nullptr;
  QToolButton* send_ = nullptr;
  MessageView* messages_ = nullptr;
  QLabel* typing_ = nullptr;
  QWidget* edit_bar_ = nullptr;
  QLabel* notice_ = nullptr;
  QTimer notice_timer_;
  Composer* composer_ = nullptr;
};

}  // namespace messenger::desktop
