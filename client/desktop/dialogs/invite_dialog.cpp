#include "dialogs/invite_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

#include "dialogs/people_picker.h"
#include "messenger/client/session.h"

namespace messenger::desktop {

InviteDialog::InviteDialog(client::Session& session, core::ConversationId conversation,
                           QWidget* parent)
    : QDialog(parent), session_(session), conversation_(conversation) {
  setObjectName("inviteDialog");
  auto* layout = new QVBoxLayout(this);

  heading_ = new QLabel(this);
  heading_->setObjectName("headingLabel");
  heading_->setWordWrap(true);
  heading_->setTextFormat(Qt::PlainText);
  QFont heading_font = heading_->font();
  heading_font.setBold(true);
  heading_font.setPointSizeF(heading_font.pointSizeF() * 1.2);
  heading_->setFont(heading_font);
  layout->addWidget(heading_);
  members_ = new QLabel(this);
  members_->setObjectName("membersLabel");
  members_->setWordWrap(true);
  members_->setEnabled(false);
  layout->addWidget(members_);

  picker_ = new PeoplePicker(session_, PeoplePicker::Selection::multiple, this);
  picker_->set_picked_texts(tr("Nobody picked yet."), tr("To invite (%1):"));
  connect(picker_, &PeoplePicker::pickedChanged, this, &InviteDialog::update_invite);
  connect(picker_, &PeoplePicker::searchFailed, this, [this](const QString& message) {
    show_error(tr("The directory could not be searched: %1").arg(message));
  });
  layout->addWidget(picker_, 1);

  error_ = new QLabel(this);
  error_->setObjectName("errorLabel");
  error_->setWordWrap(true);
  error_->setTextFormat(Qt::PlainText);
  error_->setStyleSheet("color: #c01c28;");
  error_->hide();
  layout->addWidget(error_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  invite_ = buttons->button(QDialogButtonBox::Ok);
  invite_->setObjectName("inviteButton");
  invite_->setText(tr("Invite"));
  buttons->button(QDialogButtonBox::Cancel)->setObjectName("cancelButton");
  connect(buttons, &QDialogButtonBox::accepted, this, &InviteDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &InviteDialog::reject);
  layout->addWidget(buttons);
  resize(460, 520);

  // Someone else may invite, or the conversation may be renamed or left, while this is open.
  connect(&session_, &client::Session::conversationChanged, this, [this](core::ConversationId id) {
    if (id == conversation_) {
      refresh_conversation();
    }
  });
  refresh_conversation();
  update_invite();
  picker_->setFocus();
}

std::vector<core::UserId> InviteDialog::picked() const {
  return picker_->picked();
}

void InviteDialog::refresh_conversation() {
  const QString title = session_.title(conversation_);
  setWindowTitle(tr("Invite people to %1").arg(title));
  heading_->setText(windowTitle());
  const auto summary = session_.conversation(conversation_);
  if (!summary) {
    // Not in my list: either never was (the server will say why not) or I just left it.
    members_->clear();
    if (known_ && !gone_) {
      gone_ = true;
      show_error(tr("You are no longer a member of %1.").arg(title));
      update_invite();
    }
    return;
  }
  known_ = true;
  std::vector<core::UserId> members;
  members.reserve(summary->conversation.members.size());
  for (const core::Member& member : summary->conversation.members) {
    members.push_back(member.user_id);
  }
  picker_->set_excluded(members);
  const auto count = static_cast<int>(members.size());
  members_->setText(count == 1 ? tr("Only you are in it so far.")
                               : tr("%1 members already; they are not listed.").arg(count));
}

void InviteDialog::update_invite() {
  invite_->setEnabled(!busy_ && !gone_ && !picker_->picked().empty());
}

void InviteDialog::accept() {
  update_invite();
  if (!invite_->isEnabled()) {
    return;
  }
  busy_ = true;
  update_invite();
  error_->hide();
  picker_->set_status(tr("Inviting…"));
  QPointer<InviteDialog> guard(this);
  session_.invite(conversation_, picker_->picked(), [guard](const core::Status& result) {
    if (guard) {
      guard->finish(result);
    }
  });
}

void InviteDialog::finish(const core::Status& result) {
  busy_ = false;
  picker_->set_status({});
  if (!result.ok()) {
    update_invite();
    const QString title = session_.title(conversation_);
    switch (result.error().code) {
      case core::Errc::not_member:
        show_error(
            tr("Only members can invite people, and you are not a member of %1.").arg(title));
        break;
      case core::Errc::archived:
        show_error(tr("%1 is archived: nobody can be invited any more.").arg(title));
        break;
      default:
        show_error(tr("Could not invite: %1").arg(QString::fromStdString(result.error().message)));
        break;
    }
    return;
  }
  emit invited(conversation_);
  QDialog::accept();
}

void InviteDialog::show_error(const QString& text) {
  error_->setText(text);
  error_->show();
}

}  // namespace messenger::desktop
