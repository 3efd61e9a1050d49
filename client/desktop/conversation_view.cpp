#include "conversation_view.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPainterPath>
#include <QPointer>
#include <QToolButton>
#include <QVBoxLayout>

#include "composer.h"
#include "dialogs/invite_dialog.h"
#include "dialogs/profile_card.h"
#include "message_view.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"
#include "messenger/client/session.h"
#include "theme.h"

namespace messenger::desktop {
namespace {

using Model = client::MessageListModel;

constexpr int kNoticeMs = 8000;
constexpr int kMaxNamesInTooltip = 30;

QString from_std(const std::string& text) {
  return QString::fromStdString(text);
}

// A paper plane pointing right.
QIcon send_icon(const QColor& color) {
  QPixmap pixmap(48, 48);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  QPainterPath plane;
  plane.moveTo(6, 7);
  plane.lineTo(44, 24);
  plane.lineTo(6, 41);
  plane.lineTo(12, 24);
  plane.closeSubpath();
  painter.fillPath(plane, color);
  return QIcon(pixmap);
}

// Head and shoulders with their top-left corner at `at`, `size` wide.
void paint_person(QPainter& painter, QPointF at, qreal size, const QColor& color) {
  const qreal head = size * 0.44;
  painter.setBrush(color);
  painter.drawEllipse(QRectF(at.x() + (size - head) / 2, at.y(), head, head));
  painter.drawChord(QRectF(at.x(), at.y() + head * 1.12, size, size * 0.95), 0, 180 * 16);
}

// Two people: the members of a group or channel.
QIcon people_icon(const QColor& color) {
  QPixmap pixmap(64, 64);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  QColor behind = color;
  behind.setAlphaF(color.alphaF() * 0.6);
  paint_person(painter, QPointF(26, 8), 34, behind);
  // A gap between the two, cut out of the one behind.
  painter.setCompositionMode(QPainter::CompositionMode_Clear);
  painter.setPen(QPen(Qt::transparent, 6));
  paint_person(painter, QPointF(4, 14), 36, Qt::transparent);
  painter.setCompositionMode(QPainter::CompositionMode_SourceOver);
  painter.setPen(Qt::NoPen);
  paint_person(painter, QPointF(4, 14), 36, color);
  return QIcon(pixmap);
}

// One person: the profile of the other person of a direct chat.
QIcon person_icon(const QColor& color) {
  QPixmap pixmap(64, 64);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  paint_person(painter, QPointF(14, 10), 36, color);
  return QIcon(pixmap);
}

// Three dots: more options.
QIcon more_icon(const QColor& color) {
  QPixmap pixmap(64, 64);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(color);
  for (const qreal x : {12.0, 32.0, 52.0}) {
    painter.drawEllipse(QPointF(x, 32), 5.5, 5.5);
  }
  return QIcon(pixmap);
}

}  // namespace

ConversationView::ConversationView(client::Session& session, QWidget* parent)
    : QWidget(parent), session_(session) {
  setObjectName("conversationView");

  title_ = new QLabel(this);
  title_->setObjectName("conversationTitle");
  QFont big = title_->font();
  big.setBold(true);
  big.setPointSizeF(big.pointSizeF() * 1.15);
  title_->setFont(big);
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  subtitle_ = new QLabel(this);
  subtitle_->setObjectName("conversationSubtitle");
  subtitle_->setForegroundRole(QPalette::PlaceholderText);
  subtitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  subtitle_->setMinimumWidth(40);
  members_ = new QToolButton(this);
  members_->setObjectName("membersButton");
  members_->setAutoRaise(true);
  members_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  members_->setIconSize(QSize(18, 18));
  more_ = new QToolButton(this);
  more_->setObjectName("conversationMenuButton");
  more_->setAutoRaise(true);
  more_->setIconSize(QSize(18, 18));
  more_->setToolTip(tr("Conversation options"));
  more_->setAccessibleName(more_->toolTip());

  auto* titles = new QVBoxLayout;
  titles->setSpacing(0);
  titles->addWidget(title_);
  titles->addWidget(subtitle_);
  auto* header = new QHBoxLayout;
  header->setContentsMargins(12, 8, 8, 8);
  header->setSpacing(2);
  header->addLayout(titles, 1);
  header->addWidget(members_);
  header->addWidget(more_);
  auto* rule = new QFrame(this);
  rule->setFrameShape(QFrame::HLine);
  rule->setFrameShadow(QFrame::Plain);
  rule->setForegroundRole(QPalette::Mid);

  messages_ = new MessageView(this);

  typing_ = new QLabel(this);
  typing_->setObjectName("typingLabel");
  typing_->setForegroundRole(QPalette::PlaceholderText);
  QFont italic = typing_->font();
  italic.setItalic(true);
  typing_->setFont(italic);
  typing_->setFixedHeight(typing_->fontMetrics().lineSpacing() + 4);
  typing_->setContentsMargins(12, 0, 12, 0);

  edit_bar_ = new QWidget(this);
  edit_bar_->setObjectName("editBar");
  auto* edit_label = new QLabel(tr("Editing message \u2014 Esc to cancel"), edit_bar_);
  edit_label->setObjectName("editBarLabel");
  QFont bold = edit_label->font();
  bold.setBold(true);
  edit_label->setFont(bold);
  edit_label->setForegroundRole(QPalette::Highlight);
  auto* cancel = new QToolButton(edit_bar_);
  cancel->setObjectName("cancelEditButton");
  cancel->setText(QStringLiteral("\u2715"));
  cancel->setAutoRaise(true);
  cancel->setToolTip(tr("Cancel editing (Esc)"));
  auto* edit_layout = new QHBoxLayout(edit_bar_);
  edit_layout->setContentsMargins(12, 2, 8, 0);
  edit_layout->addWidget(edit_label, 1);
  edit_layout->addWidget(cancel);
  edit_bar_->hide();

  notice_ = new QLabel(this);
  notice_->setObjectName("noticeLabel");
  notice_->setWordWrap(true);
  notice_->setContentsMargins(12, 2, 12, 2);
  notice_->hide();
  notice_timer_.setSingleShot(true);
  notice_timer_.setInterval(kNoticeMs);
  connect(&notice_timer_, &QTimer::timeout, notice_, &QLabel::hide);

  composer_ = new Composer(session_, this);
  auto* composer_field = new FieldFrame(composer_, this);
  send_ = new QToolButton(composer_field);
  send_->setObjectName("sendButton");
  send_->setIconSize(QSize(20, 20));
  send_->setAutoRaise(true);
  send_->setFocusPolicy(Qt::NoFocus);
  send_->setToolTip(tr("Send (Enter)"));
  send_->setAccessibleName(tr("Send"));
  composer_field->row()->addWidget(send_, 0, Qt::AlignBottom);
  auto* composer_row = new QHBoxLayout;
  composer_row->setContentsMargins(12, 2, 12, 12);
  composer_row->addWidget(composer_field);

  // One surface from the header to the composer, like the messages.
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
  update_icons();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(header);
  layout->addWidget(rule);
  layout->addWidget(messages_, 1);
  layout->addWidget(typing_);
  layout->addWidget(edit_bar_);
  layout->addWidget(notice_);
  layout->addLayout(composer_row);
  setFocusProxy(composer_);

  connect(cancel, &QToolButton::clicked, composer_, &Composer::cancel_edit);
  connect(send_, &QToolButton::clicked, this, [this] {
    composer_->submit();
    composer_->setFocus();
  });
  connect(composer_, &Composer::editingChanged, edit_bar_, &QWidget::setVisible);
  connect(composer_, &Composer::messageSent, messages_, &MessageView::scroll_to_bottom);
  connect(composer_, &Composer::notice, this, &ConversationView::show_notice);
  connect(composer_, &Composer::pageRequested, messages_, &MessageView::scroll_pages);
  connect(messages_, &MessageView::messageMenuRequested, this,
          &ConversationView::show_message_menu);
  connect(members_, &QToolButton::clicked, this, &ConversationView::show_members_menu);
  connect(more_, &QToolButton::clicked, this, &ConversationView::show_conversation_menu);

  connect(&session_, &client::Session::conversationChanged, this, [this](core::ConversationId id) {
    if (id == conversation_) {
      refresh_header();
      mark_read_if_seen();
    }
  });
  connect(&session_, &client::Session::userChanged, this, [this](core::UserId) {
    if (conversation_.is_valid()) {
      refresh_header();
      refresh_typing();  // a name may have become known
    }
  });
  connect(&session_, &client::Session::typingChanged, this, [this](core::ConversationId id) {
    if (id == conversation_) {
      refresh_typing();
    }
  });
}

ConversationView::~ConversationView() = default;

void ConversationView::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) {
    update_icons();
  }
}

void ConversationView::update_icons() {
  const QPalette& colors = palette();
  const QColor dim = colors.color(QPalette::PlaceholderText);
  send_->setIcon(send_icon(colors.color(QPalette::Highlight)));
  more_->setIcon(more_icon(dim));
  const auto summary =
      conversation_.is_valid() ? session_.conversation(conversation_) : std::nullopt;
  const bool direct =
      summary && summary->conversation.conversation.kind == core::ConversationKind::direct;
  members_->setIcon(direct ? person_icon(dim) : people_icon(dim));
}

void ConversationView::set_conversation(core::ConversationId id) {
  if (id == conversation_) {
    return;
  }
  conversation_ = id;
  Model* model = id.is_valid() ? session_.messages(id) : nullptr;
  composer_->set_conversation(id, model);
  messages_->set_message_model(model);
  notice_->hide();
  refresh_header();
  refresh_typing();
  if (id.is_valid()) {
    session_.mark_read(id);
  }
}

void ConversationView::mark_read_if_seen() {
  if (!conversation_.is_valid() || !isVisible()) {
    return;
  }
  const QWidget* top = window();
  if (!top->isActiveWindow() || top->isMinimized()) {
    return;
  }
  const client::ConversationRow* row = session_.conversations()->find(conversation_);
  if (row != nullptr && row->summary.unread > 0) {
    session_.mark_read(conversation_);
  }
}

core::UserId ConversationView::other_person() const {
  const auto summary = session_.conversation(conversation_);
  if (!summary) {
    return {};
  }
  const core::UserId me = session_.me().user.id;
  for (const core::Member& member : summary->conversation.members) {
    if (member.user_id != me) {
      return member.user_id;
    }
  }
  return me;  // a conversation with myself
}

void ConversationView::refresh_header() {
  const bool shown = conversation_.is_valid();
  members_->setVisible(shown);
  more_->setVisible(shown);
  update_icons();
  if (!shown) {
    title_->clear();
    subtitle_->clear();
    return;
  }
  title_->setText(session_.title(conversation_));
  const auto summary = session_.conversation(conversation_);
  if (!summary) {
    subtitle_->clear();
    members_->hide();
    return;
  }
  const core::Conversation& conversation = summary->conversation.conversation;
  const auto& members = summary->conversation.members;
  if (conversation.kind == core::ConversationKind::direct) {
    const auto user = session_.user(other_person());
    subtitle_->setText(user ? presence_text(*user) : QString());
    members_->setText(tr("Profile"));
    members_->setToolTip(tr("Show the profile card"));
    members_->setAccessibleName(members_->text());
  } else {
    const QString topic = from_std(conversation.topic);
    subtitle_->setText(!topic.isEmpty()                                       ? topic
                       : conversation.kind == core::ConversationKind::channel ? tr("Channel")
                                                                              : tr("Group"));
    const auto count = static_cast<int>(members.size());
    // The count beside the people icon, as in the headers of other chat apps; the tooltip
    // says what it counts and who they are.
    members_->setText(QString::number(count));
    const QString members_text = count == 1 ? tr("1 member") : tr("%1 members").arg(count);
    members_->setAccessibleName(members_text);
    QStringList names{members_text + QLatin1Char(':')};
    for (const core::Member& member : members) {
      if (names.size() == kMaxNamesInTooltip + 1) {
        names << tr("and %1 more").arg(count - kMaxNamesInTooltip);
        break;
      }
      names << session_.display_name(member.user_id);
    }
    members_->setToolTip(names.join(QStringLiteral("\n")));
  }
  subtitle_->setToolTip(subtitle_->text());
  composer_->set_read_only_reason(
      conversation.archived
          ? tr("This conversation is archived: it can be read but no longer written to.")
          : QString());
}

void ConversationView::refresh_typing() {
  QStringList names;
  if (conversation_.is_valid()) {
    const core::UserId me = session_.me().user.id;
    for (const core::UserId user : session_.typing_users(conversation_)) {
      if (user != me) {
        names << session_.display_name(user);
      }
    }
  }
  switch (names.size()) {
    case 0:
      typing_->clear();
      break;
    case 1:
      typing_->setText(tr("%1 is typing\u2026").arg(names[0]));
      break;
    case 2:
      typing_->setText(tr("%1 and %2 are typing\u2026").arg(names[0], names[1]));
      break;
    default:
      typing_->setText(tr("Several people are typing\u2026"));
      break;
  }
}

void ConversationView::show_notice(const QString& text) {
  notice_->setText(text);
  notice_->show();
  notice_timer_.start();
}

void ConversationView::show_message_menu(const QModelIndex& index, const QPoint& global_pos) {
  const core::ConversationId conversation = conversation_;
  const bool own = index.data(Model::OwnRole).toBool();
  const bool deleted = index.data(Model::DeletedRole).toBool();
  const auto state = static_cast<Model::SendState>(index.data(Model::SendStateRole).toInt());
  const core::Seq seq(index.data(Model::SeqRole).toLongLong());
  const QString text = index.data(Model::TextRole).toString();
  const QString client_id = index.data(Model::ClientMsgIdRole).toString();

  QMenu menu(this);
  if (!deleted && !text.isEmpty()) {
    menu.addAction(tr("Copy text"), this, [text] { QApplication::clipboard()->setText(text); });
  }
  if (state == Model::SendState::failed) {
    menu.addAction(tr("Retry sending"), this,
                   [this, client_id] { session_.retry_message(client_id); });
    // Never sent, so nobody else has it: no need to ask.
    menu.addAction(tr("Delete"), this, [this, client_id] { session_.discard_message(client_id); });
  }
  if (own && !deleted && state == Model::SendState::sent && seq.is_valid() &&
      !composer_->isReadOnly()) {
    menu.addSeparator();
    menu.addAction(tr("Edit"), this, [this, seq, text] { composer_->begin_edit(seq, text); });
    menu.addAction(tr("Delete\u2026"), this, [this, conversation, seq] {
      const auto answer = QMessageBox::question(
          this, tr("Delete message"), tr("Delete this message for everyone in the conversation?"),
          QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
      if (answer != QMessageBox::Yes) {
        return;
      }
      session_.delete_message(
          conversation, seq,
          [self = QPointer<ConversationView>(this)](core::Result<core::Message> result) {
            if (!result.ok() && self) {
              self->show_notice(
                  tr("The message was not deleted: %1").arg(from_std(result.error().message)));
            }
          });
    });
  }
  if (!menu.isEmpty()) {
    menu.exec(global_pos);
  }
}

void ConversationView::show_members_menu() {
  const auto summary = session_.conversation(conversation_);
  if (!summary) {
    return;
  }
  if (summary->conversation.conversation.kind == core::ConversationKind::direct) {
    open_profile(other_person());
    return;
  }
  QMenu menu(this);
  const core::UserId me = session_.me().user.id;
  for (const core::Member& member : summary->conversation.members) {
    QString name = session_.display_name(member.user_id);
    if (member.user_id == me) {
      name = tr("%1 (you)").arg(name);
    }
    if (member.role == core::MemberRole::owner) {
      name = tr("%1 \u2014 owner").arg(name);
    }
    const core::UserId user = member.user_id;
    menu.addAction(name, this, [this, user] { open_profile(user); });
  }
  menu.exec(members_->mapToGlobal(QPoint(0, members_->height())));
}

void ConversationView::show_conversation_menu() {
  const auto summary = session_.conversation(conversation_);
  if (!summary) {
    return;
  }
  const core::ConversationId id = conversation_;
  const bool direct = summary->conversation.conversation.kind == core::ConversationKind::direct;
  const auto report = [self = QPointer<ConversationView>(this)](const QString& what) {
    return [self, what](core::Result<core::Ok> result) {
      if (!result.ok() && self) {
        self->show_notice(what.arg(from_std(result.error().message)));
      }
    };
  };
  QMenu menu(this);
  QAction* mute = menu.addAction(tr("Mute notifications"));
  mute->setCheckable(true);
  mute->setChecked(session_.is_muted(id));
  connect(mute, &QAction::toggled, this, [this, id](bool on) { session_.set_muted(id, on); });
  if (!direct) {
    menu.addAction(tr("Invite people\u2026"), this, [this, id] {
      auto* dialog = new InviteDialog(session_, id, this);
      dialog->setAttribute(Qt::WA_DeleteOnClose);
      dialog->show();
    });
    menu.addAction(tr("Change topic\u2026"), this, [this, id, summary, report] {
      bool ok = false;
      const QString topic = QInputDialog::getText(
          this, tr("Change topic"), tr("Topic of %1:").arg(session_.title(id)), QLineEdit::Normal,
          from_std(summary->conversation.conversation.topic), &ok);
      if (ok) {
        session_.set_topic(id, topic.trimmed(), report(tr("The topic was not changed: %1")));
      }
    });
    menu.addSeparator();
    menu.addAction(tr("Leave\u2026"), this, [this, id, report] {
      const auto answer = QMessageBox::question(
          this, tr("Leave conversation"),
          tr("Leave %1? You will no longer get its messages.").arg(session_.title(id)),
          QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
      if (answer == QMessageBox::Yes) {
        session_.leave(id, report(tr("Could not leave: %1")));
      }
    });
  }
  menu.exec(more_->mapToGlobal(QPoint(0, more_->height())));
}

void ConversationView::open_profile(core::UserId user) {
  if (!user.is_valid()) {
    return;
  }
  auto* card = new ProfileCard(session_, user, this);
  card->setAttribute(Qt::WA_DeleteOnClose);
  connect(card, &ProfileCard::conversationOpened, this, &ConversationView::conversationRequested);
  card->open();
}

}  // namespace messenger::desktop
