#include "dialogs/profile_card.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kAvatarSize = 64;
constexpr int kMaxStatusChars = 200;  // protocol::Limits::max_profile_field_chars

QString from_std(const std::string& text) {
  return QString::fromStdString(text);
}

QString initials(const QString& name) {
  QString out;
  for (const QString& word : name.split(' ', Qt::SkipEmptyParts)) {
    if (out.size() == 2) {
      break;
    }
    out += word.front().toUpper();
  }
  return out.isEmpty() ? QStringLiteral("?") : out;
}

}  // namespace

QString presence_text(const protocol::UserView& user, const QDateTime& now) {
  switch (user.presence) {
    case protocol::PresenceState::online:
      return ProfileCard::tr("Online");
    case protocol::PresenceState::away:
      return ProfileCard::tr("Away");
    case protocol::PresenceState::offline:
      break;
  }
  if (user.user.last_seen <= 0) {
    return ProfileCard::tr("Offline");
  }
  const QDateTime seen = QDateTime::fromMSecsSinceEpoch(user.user.last_seen).toLocalTime();
  const QDate today = now.toLocalTime().date();
  const QLocale locale;
  const QString time = locale.toString(seen.time(), QLocale::ShortFormat);
  if (seen.date() == today) {
    return ProfileCard::tr("Offline, last seen today at %1").arg(time);
  }
  if (seen.date() == today.addDays(-1)) {
    return ProfileCard::tr("Offline, last seen yesterday at %1").arg(time);
  }
  return ProfileCard::tr("Offline, last seen %1")
      .arg(locale.toString(seen.date(), QLocale::ShortFormat));
}

QColor presence_color(protocol::PresenceState state) {
  switch (state) {
    case protocol::PresenceState::online:
      return {0x2e, 0xa0, 0x43};
    case protocol::PresenceState::away:
      return {0xe5, 0xa5, 0x0a};
    case protocol::PresenceState::offline:
      break;
  }
  return {0x8c, 0x95, 0x9f};
}

QPixmap initials_avatar(const QString& name, core::UserId id, int size) {
  QPixmap pixmap(size, size);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  const int hue = static_cast<int>((id.value() * 47) % 360);
  painter.setBrush(QColor::fromHsl(hue, 110, 110));
  painter.setPen(Qt::NoPen);
  painter.drawEllipse(0, 0, size, size);
  QFont font = painter.font();
  font.setBold(true);
  font.setPixelSize(std::max(8, size * 2 / 5));
  painter.setFont(font);
  painter.setPen(Qt::white);
  painter.drawText(QRect(0, 0, size, size), Qt::AlignCenter, initials(name));
  return pixmap;
}

ProfileCard::ProfileCard(client::Session& session, core::UserId user, QWidget* parent)
    : QDialog(parent), session_(session), user_(user) {
  setObjectName("profileCard");
  is_me_ = session_.signed_in() && session_.me().user.id == user_;

  avatar_ = new QLabel(this);
  avatar_->setObjectName("avatarLabel");
  avatar_->setFixedSize(kAvatarSize, kAvatarSize);
  display_name_ = new QLabel(this);
  display_name_->setObjectName("displayNameLabel");
  QFont big = display_name_->font();
  big.setBold(true);
  big.setPointSizeF(big.pointSizeF() * 1.4);
  display_name_->setFont(big);
  display_name_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  username_ = new QLabel(this);
  username_->setObjectName("usernameLabel");
  username_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  username_->setForegroundRole(QPalette::PlaceholderText);
  presence_ = new QLabel(this);
  presence_->setObjectName("presenceLabel");
  presence_->setTextFormat(Qt::RichText);

  auto* names = new QVBoxLayout;
  names->addWidget(display_name_);
  names->addWidget(username_);
  names->addWidget(presence_);
  auto* header = new QHBoxLayout;
  header->addWidget(avatar_, 0, Qt::AlignTop);
  header->addLayout(names, 1);

  const auto make_field = [this](const char* name) {
    auto* label = new QLabel(this);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    return label;
  };
  title_ = make_field("titleLabel");
  department_ = make_field("departmentLabel");
  email_ = make_field("emailLabel");
  email_->setTextFormat(Qt::RichText);
  email_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  email_->setOpenExternalLinks(true);
  status_ = make_field("statusLabel");

  fields_ = new QFormLayout;
  fields_->addRow(tr("Title:"), title_);
  fields_->addRow(tr("Department:"), department_);
  fields_->addRow(tr("Email:"), email_);
  fields_->addRow(tr("Status:"), status_);

  error_ = new QLabel(this);
  error_->setObjectName("errorLabel");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c01c28;");
  error_->hide();

  auto* buttons = new QDialogButtonBox(this);
  auto* close = buttons->addButton(QDialogButtonBox::Close);
  close->setObjectName("closeButton");
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(header);
  layout->addSpacing(6);
  layout->addLayout(fields_);

  if (is_me_) {
    status_edit_ = new QLineEdit(this);
    status_edit_->setObjectName("statusEdit");
    status_edit_->setMaxLength(kMaxStatusChars);
    status_edit_->setPlaceholderText(tr("What are you working on? (e.g. \"In meetings until 3\")"));
    status_edit_->setClearButtonEnabled(true);
    saved_status_ = from_std(session_.me().user.profile.status_text);
    status_edit_->setText(saved_status_);
    save_status_ = new QPushButton(tr("Set status"), this);
    save_status_->setObjectName("saveStatusButton");
    save_status_->setEnabled(false);
    auto* row = new QHBoxLayout;
    row->addWidget(status_edit_, 1);
    row->addWidget(save_status_);
    layout->addWidget(new QLabel(tr("Your status:"), this));
    layout->addLayout(row);
    connect(status_edit_, &QLineEdit::textChanged, this, [this](const QString& text) {
      save_status_->setEnabled(text.trimmed() != saved_status_);
    });
    connect(status_edit_, &QLineEdit::returnPressed, this, &ProfileCard::save_status);
    connect(save_status_, &QPushButton::clicked, this, &ProfileCard::save_status);
    // Enter in the status field saves; it must not close the card.
    save_status_->setAutoDefault(false);
    close->setAutoDefault(false);
  } else {
    send_ = buttons->addButton(tr("Send message"), QDialogButtonBox::ActionRole);
    send_->setObjectName("sendMessageButton");
    send_->setDefault(true);
    connect(send_, &QPushButton::clicked, this, &ProfileCard::send_message);
  }
  layout->addWidget(error_);
  layout->addStretch();
  layout->addWidget(buttons);
  setMinimumWidth(380);

  connect(&session_, &client::Session::userChanged, this, [this](core::UserId id) {
    if (id == user_) {
      refresh();
    }
  });
  refresh();
}

void ProfileCard::refresh() {
  const auto view = session_.user(user_);
  const QString name = session_.display_name(user_);
  setWindowTitle(name);
  display_name_->setText(name);
  avatar_->setPixmap(initials_avatar(name, user_, kAvatarSize));
  if (!view) {
    // Not known to this session yet; userChanged() fills the card in when it is.
    username_->clear();
    presence_->clear();
    for (QLabel* label : {title_, department_, email_, status_}) {
      fields_->setRowVisible(label, false);
    }
    return;
  }
  const core::Profile& profile = view->user.profile;
  username_->setText('@' + from_std(view->user.username));
  presence_->setText(
      QStringLiteral("<span style='color:%1'>&#9679;</span> %2")
          .arg(presence_color(view->presence).name(), presence_text(*view).toHtmlEscaped()));
  const auto show = [this](QLabel* label, const QString& text) {
    label->setText(text);
    fields_->setRowVisible(label, !text.isEmpty());
  };
  show(title_, from_std(profile.title));
  show(department_, from_std(profile.department));
  const QString email = from_std(profile.email).toHtmlEscaped();
  email_->setText(email.isEmpty() ? QString()
                                  : QStringLiteral("<a href=\"mailto:%1\">%1</a>").arg(email));
  fields_->setRowVisible(email_, !email.isEmpty());
  show(status_, from_std(profile.status_text));
  if (view->user.disabled && send_) {
    send_->setEnabled(false);
    send_->setToolTip(tr("This account is disabled."));
  }
}

void ProfileCard::send_message() {
  send_->setEnabled(false);
  error_->hide();
  QPointer<ProfileCard> guard(this);
  session_.open_direct(user_, [guard](core::Result<core::ConversationId> result) {
    if (!guard) {
      return;
    }
    if (!result) {
      guard->send_->setEnabled(true);
      guard->show_error(tr("Could not open the conversation: %1")
                            .arg(QString::fromStdString(result.error().message)));
      return;
    }
    emit guard->conversationOpened(*result);
    guard->accept();
  });
}

void ProfileCard::save_status() {
  if (!status_edit_ || !save_status_->isEnabled()) {
    return;
  }
  save_status_->setEnabled(false);
  error_->hide();
  const QString text = status_edit_->text().trimmed();
  QPointer<ProfileCard> guard(this);
  session_.set_status_text(text, [guard, text](core::Result<core::Ok> result) {
    if (!guard) {
      return;
    }
    if (!result) {
      guard->save_status_->setEnabled(true);
      guard->show_error(
          tr("Could not set the status: %1").arg(QString::fromStdString(result.error().message)));
      return;
    }
    guard->saved_status_ = text;
    guard->status_->setText(text);
    guard->fields_->setRowVisible(guard->status_, !text.isEmpty());
    guard->save_status_->setEnabled(guard->status_edit_->text().trimmed() != text);
  });
}

void ProfileCard::show_error(const QString& text) {
  error_->setText(text);
  error_->show();
}

}  // namespace messenger::desktop
