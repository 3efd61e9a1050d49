#pragma once

#include <QPlainTextEdit>
#include <QPointer>
#include <QTimer>

#include "messenger/core/ids.h"

namespace messenger::client {
class Session;
class MessageListModel;
}  // namespace messenger::client

namespace messenger::desktop {

/// Where a message is written. Enter sends (Session::send_message), Shift+Enter starts a new
/// line. The unsent text is the conversation's draft: kept through Session::set_draft half a
/// second after the last change, when switching conversations and when the composer goes away,
/// so it survives a restart. Up in an empty composer edits my last message (Enter saves, Escape
/// cancels). Grows with its text up to a few lines.
class Composer : public QPlainTextEdit {
  Q_OBJECT

 public:
  static constexpr int kDraftDelayMs = 500;
  static constexpr int kMaxVisibleLines = 8;

  explicit Composer(client::Session& session, QWidget* parent = nullptr);
  /// Keeps the draft (the Session must outlive the composer).
  ~Composer() override;

  /// Keeps the draft of the conversation shown until now and shows `id`'s. `model` (its
  /// messages) is for "Up edits my last message"; an invalid id empties and disables the
  /// composer.
  void set_conversation(core::ConversationId id, client::MessageListModel* model);
  [[nodiscard]] core::ConversationId conversation() const { return conversation_; }
  /// Read-only conversations (archived) cannot be written to.
  void set_read_only_reason(const QString& reason);

  /// Edits my message `seq`: its text replaces the composer's until Enter or Escape.
  void begin_edit(core::Seq seq, const QString& text);
  /// Leaves edit mode and brings the draft back.
  void cancel_edit();
  [[nodiscard]] bool editing() const { return editing_.is_valid(); }
  [[nodiscard]] core::Seq editing_seq() const { return editing_; }

  /// Sends (or, in edit mode, saves) what is written. False when nothing was sent.
  bool submit();
  /// Stores the draft now instead of after the delay.
  void save_draft();

  [[nodiscard]] QSize sizeHint() const override;
  [[nodiscard]] QSize minimumSizeHint() const override;

 signals:
  void editingChanged(bool editing);
  /// A message was handed to the Session (the view scrolls to it).
  void messageSent();
  /// Something the user should read: a message too long, an edit that failed.
  void notice(const QString& text);
  /// PageUp / PageDown: scroll the messages.
  void pageRequested(int pages);

 protected:
  bool event(QEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void on_text_changed();
  void set_text_quietly(const QString& text);
  void update_height();
  [[nodiscard]] int height_for_lines(int lines) const;

  client::Session& session_;
  core::ConversationId conversation_;
  QPointer<client::MessageListModel> model_;
  core::Seq editing_;
  QString draft_before_edit_;
  QString edit_original_;
  QString placeholder_;
  QTimer draft_timer_;
  bool draft_dirty_ = false;
  bool quiet_ = false;  // set while the text is changed by code, not by the user
};

}  // namespace messenger::desktop
