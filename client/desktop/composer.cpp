#include "composer.h"

#include <QAbstractTextDocumentLayout>
#include <QKeyEvent>
#include <algorithm>

#include "messenger/client/message_list_model.h"
#include "messenger/client/session.h"
#include "messenger/protocol/limits.h"

namespace messenger::desktop {
namespace {

// Keys of window-level shortcuts that QPlainTextEdit would otherwise take for itself
// (Ctrl+K deletes to the end of the line; Ctrl+Up/Down move by paragraph).
bool is_window_shortcut(const QKeyEvent& event) {
  const Qt::KeyboardModifiers mods = event.modifiers() & ~Qt::KeypadModifier;
  const int key = event.key();
  if ((key == Qt::Key_Up || key == Qt::Key_Down) &&
      (mods == Qt::ControlModifier || mods == Qt::AltModifier)) {
    return true;
  }
  return key == Qt::Key_K && mods == Qt::ControlModifier;
}

}  // namespace

Composer::Composer(client::Session& session, QWidget* parent)
    : QPlainTextEdit(parent), session_(session) {
  setObjectName("composer");
  setTabChangesFocus(true);
  setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  // The rounded field around it (FieldFrame) is the frame.
  setFrameShape(QFrame::NoFrame);
  placeholder_ = tr("Write a message\u2026");
  setPlaceholderText(placeholder_);
  setEnabled(false);

  draft_timer_.setSingleShot(true);
  draft_timer_.setInterval(kDraftDelayMs);
  connect(&draft_timer_, &QTimer::timeout, this, &Composer::save_draft);
  connect(this, &QPlainTextEdit::textChanged, this, &Composer::on_text_changed);
  connect(document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
          &Composer::update_height);
  update_height();
}

Composer::~Composer() {
  save_draft();
}

void Composer::set_conversation(core::ConversationId id, client::MessageListModel* model) {
  if (id == conversation_ && model == model_) {
    return;
  }
  if (editing()) {
    cancel_edit();
  }
  save_draft();
  conversation_ = id;
  model_ = model;
  set_text_quietly(id.is_valid() ? session_.draft(id) : QString());
  moveCursor(QTextCursor::End);
  set_read_only_reason({});
  setEnabled(id.is_valid());
}

void Composer::set_read_only_reason(const QString& reason) {
  setReadOnly(!reason.isEmpty());
  setPlaceholderText(reason.isEmpty() ? placeholder_ : reason);
}

void Composer::begin_edit(core::Seq seq, const QString& text) {
  if (!conversation_.is_valid() || isReadOnly() || !seq.is_valid()) {
    return;
  }
  if (!editing()) {
    save_draft();
    draft_before_edit_ = toPlainText();
  }
  editing_ = seq;
  edit_original_ = text;
  set_text_quietly(text);
  moveCursor(QTextCursor::End);
  setFocus();
  emit editingChanged(true);
}

void Composer::cancel_edit() {
  if (!editing()) {
    return;
  }
  editing_ = {};
  set_text_quietly(draft_before_edit_);
  moveCursor(QTextCursor::End);
  emit editingChanged(false);
}

bool Composer::submit() {
  if (!conversation_.is_valid() || isReadOnly()) {
    return false;
  }
  const QString text = toPlainText().trimmed();
  if (editing()) {
    if (text.isEmpty()) {
      emit notice(tr("A message cannot be empty. To remove it, right-click it and choose Delete."));
      return false;
    }
    if (text != edit_original_.trimmed()) {
      session_.edit_message(
          conversation_, editing_, text,
          [self = QPointer<Composer>(this)](core::Result<core::Message> result) {
            if (!result.ok() && self) {
              emit self->notice(tr("The message was not edited: %1")
                                    .arg(QString::fromStdString(result.error().message)));
            }
          });
    }
    cancel_edit();
    return true;
  }
  if (text.isEmpty()) {
    return false;
  }
  const qsizetype bytes = text.toUtf8().size();
  const auto max_bytes = static_cast<qsizetype>(session_.limits().max_text_bytes);
  if (bytes > max_bytes) {
    emit notice(tr("This message is too long (%1 KB; at most %2 KB). Shorten it or split it.")
                    .arg((bytes + 1023) / 1024)
                    .arg(max_bytes / 1024));
    return false;
  }
  session_.send_message(conversation_, text);
  draft_timer_.stop();
  draft_dirty_ = false;
  set_text_quietly({});
  session_.set_draft(conversation_, {});
  emit messageSent();
  return true;
}

void Composer::save_draft() {
  draft_timer_.stop();
  if (!draft_dirty_ || !conversation_.is_valid()) {
    return;
  }
  draft_dirty_ = false;
  session_.set_draft(conversation_, editing() ? draft_before_edit_ : toPlainText());
}

void Composer::on_text_changed() {
  if (quiet_ || editing()) {
    return;
  }
  draft_dirty_ = true;
  draft_timer_.start();
  if (conversation_.is_valid() && !document()->isEmpty()) {
    session_.notify_typing(conversation_);
  }
}

void Composer::set_text_quietly(const QString& text) {
  quiet_ = true;
  setPlainText(text);
  quiet_ = false;
}

bool Composer::event(QEvent* event) {
  if (event->type() == QEvent::ShortcutOverride &&
      is_window_shortcut(*static_cast<QKeyEvent*>(event))) {
    event->ignore();  // let the window's shortcut have it
    return true;
  }
  const bool handled = QPlainTextEdit::event(event);
  if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
    update_height();  // the height of a line changed
  }
  return handled;
}

void Composer::keyPressEvent(QKeyEvent* event) {
  const Qt::KeyboardModifiers mods = event->modifiers() & ~Qt::KeypadModifier;
  switch (event->key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
      if (mods & Qt::ShiftModifier) {
        insertPlainText(QStringLiteral("\n"));
        ensureCursorVisible();
        return;
      }
      if (mods == Qt::NoModifier || mods == Qt::ControlModifier) {
        submit();
        return;
      }
      break;
    case Qt::Key_Escape:
      if (editing()) {
        cancel_edit();
        return;
      }
      break;
    case Qt::Key_Up:
      if (mods == Qt::NoModifier && !editing() && document()->isEmpty() && model_ != nullptr) {
        if (const auto last = model_->last_own_message()) {
          begin_edit(last->seq, QString::fromStdString(last->text));
          return;
        }
      }
      break;
    case Qt::Key_PageUp:
    case Qt::Key_PageDown:
      if (mods == Qt::NoModifier) {
        emit pageRequested(event->key() == Qt::Key_PageUp ? -1 : 1);
        return;
      }
      break;
    default:
      break;
  }
  QPlainTextEdit::keyPressEvent(event);
}

int Composer::height_for_lines(int lines) const {
  const QMargins margins = contentsMargins();
  const qreal doc_margin = document()->documentMargin();
  return lines * fontMetrics().lineSpacing() + static_cast<int>(2 * doc_margin) + margins.top() +
         margins.bottom() + 2 * frameWidth() + 2;
}

void Composer::update_height() {
  const auto lines = static_cast<int>(document()->documentLayout()->documentSize().height());
  setVerticalScrollBarPolicy(lines > kMaxVisibleLines ? Qt::ScrollBarAsNeeded
                                                      : Qt::ScrollBarAlwaysOff);
  setFixedHeight(height_for_lines(std::clamp(lines, 1, kMaxVisibleLines)));
}

QSize Composer::sizeHint() const {
  return {QPlainTextEdit::sizeHint().width(), height_for_lines(1)};
}

QSize Composer::minimumSizeHint() const {
  return {QPlainTextEdit::minimumSizeHint().width(), height_for_lines(1)};
}

}  // namespace messenger::desktop
