#include "dialogs/new_conversation_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

#include "dialogs/people_picker.h"
#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kMaxNameChars = 100;   // protocol::Limits::max_name_chars
constexpr int kMaxTopicChars = 500;  // protocol::Limits::max_topic_chars

}  // namespace

NewConversationDialog::NewConversationDialog(client::Session& session, Mode mode, QWidget* parent)
    : QDialog(parent), session_(session), mode_(mode) {
  setObjectName("newConversationDialog");
  const bool direct = mode_ == Mode::direct;
  switch (mode_) {
    case Mode::direct:
      setWindowTitle(tr("New direct message"));
      break;
    case Mode::group:
      setWindowTitle(tr("New group"));
      break;
    case Mode::channel:
      setWindowTitle(tr("New channel"));
      break;
  }

  auto* layout = new QVBoxLayout(this);
  if (!direct) {
    name_ = new QLineEdit(this);
    name_->setObjectName("nameEdit");
    name_->setMaxLength(kMaxNameChars);
    name_->setPlaceholderText(mode_ == Mode::group ? tr("e.g. Release 2.0") : tr("e.g. general"));
    topic_ = new QLineEdit(this);
    topic_->setObjectName("topicEdit");
    topic_->setMaxLength(kMaxTopicChars);
    topic_->setPlaceholderText(tr("What is it about? (optional)"));
    auto* form = new QFormLayout;
    form->addRow(tr("&Name:"), name_);
    form->addRow(tr("&Topic:"), topic_);
    layout->addLayout(form);
    auto* hint = new QLabel(mode_ == Mode::group
                                ? tr("A group is private: only the people you add can see it.")
                                : tr("A channel is public: anyone can find and join it."),
                            this);
    hint->setWordWrap(true);
    hint->setEnabled(false);
    layout->addWidget(hint);
    connect(name_, &QLineEdit::textChanged, this, &NewConversationDialog::update_ok);
    layout->addWidget(new QLabel(
        mode_ == Mode::group ? tr("Add people:") : tr("Invite people (optional):"), this));
  }

  picker_ = new PeoplePicker(
      session_, direct ? PeoplePicker::Selection::single : PeoplePicker::Selection::multiple, this);
  if (direct) {
    picker_->set_results_hint(tr("Pick the person to write to."));
    connect(picker_, &PeoplePicker::activated, this, &NewConversationDialog::accept);
  } else {
    picker_->set_picked_texts(tr("Members: only you so far."), tr("Members besides you (%1):"));
  }
  connect(picker_, &PeoplePicker::pickedChanged, this, &NewConversationDialog::update_ok);
  connect(picker_, &PeoplePicker::searchFailed, this, [this](const QString& message) {
    show_error(tr("The directory could not be searched: %1").arg(message));
  });
  layout->addWidget(picker_, 1);

  error_ = new QLabel(this);
  error_->setObjectName("errorLabel");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c01c28;");
  error_->hide();
  layout->addWidget(error_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setObjectName("okButton");
  ok_->setText(direct ? tr("Open") : tr("Create"));
  buttons->button(QDialogButtonBox::Cancel)->setObjectName("cancelButton");
  connect(buttons, &QDialogButtonBox::accepted, this, &NewConversationDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &NewConversationDialog::reject);
  layout->addWidget(buttons);
  resize(460, direct ? 420 : 560);

  update_ok();
  if (name_) {
    name_->setFocus();
  } else {
    picker_->setFocus();
  }
}

std::vector<core::UserId> NewConversationDialog::picked() const {
  return picker_->picked();
}

void NewConversationDialog::update_ok() {
  bool ready = !busy_;
  if (mode_ == Mode::direct) {
    ready = ready && !picker_->picked().empty();
  } else {
    ready = ready && !name_->text().trimmed().isEmpty();
  }
  ok_->setEnabled(ready);
}

void NewConversationDialog::accept() {
  update_ok();
  if (!ok_->isEnabled()) {
    return;
  }
  busy_ = true;
  update_ok();
  error_->hide();
  picker_->set_status(mode_ == Mode::direct ? tr("Opening…") : tr("Creating…"));
  QPointer<NewConversationDialog> guard(this);
  if (mode_ == Mode::direct) {
    session_.open_direct(picker_->picked().front(),
                         [guard](core::Result<core::ConversationId> result) {
                           if (guard) {
                             guard->finish(std::move(result), tr("open the conversation"));
                           }
                         });
    return;
  }
  const auto kind =
      mode_ == Mode::group ? core::ConversationKind::group : core::ConversationKind::channel;
  session_.create_conversation(kind, name_->text().trimmed(), topic_->text().trimmed(),
                               picker_->picked(),
                               [guard](core::Result<core::ConversationId> result) {
                                 if (guard) {
                                   guard->finish(std::move(result), tr("create it"));
                                 }
                               });
}

void NewConversationDialog::finish(core::Result<core::ConversationId> result, const QString& what) {
  busy_ = false;
  picker_->set_status({});
  if (!result) {
    update_ok();
    show_error(tr("Could not %1: %2").arg(what, QString::fromStdString(result.error().message)));
    return;
  }
  emit conversationOpened(*result);
  QDialog::accept();
}

void NewConversationDialog::show_error(const QString& text) {
  error_->setText(text);
  error_->show();
}

}  // namespace messenger::desktop
