#include "tray.h"

#include <QApplication>
#include <QMenu>
#include <QPainter>
#include <QPainterPath>
#include <QSystemTrayIcon>

#include "dialogs/settings_dialog.h"
#include "main_window.h"
#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kPreviewChars = 160;

QPixmap icon_pixmap(int size, qint64 unread) {
  QPixmap pixmap(size, size);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  const qreal s = size;
  // A blue rounded square with a white speech bubble.
  painter.setPen(Qt::NoPen);
  painter.setBrush(QColor(0x2b, 0x7c, 0xd3));
  painter.drawRoundedRect(QRectF(0, 0, s, s), s * 0.22, s * 0.22);
  QPainterPath bubble;
  bubble.addRoundedRect(QRectF(s * 0.18, s * 0.22, s * 0.64, s * 0.44), s * 0.14, s * 0.14);
  QPainterPath tail;
  tail.moveTo(s * 0.30, s * 0.60);
  tail.lineTo(s * 0.26, s * 0.80);
  tail.lineTo(s * 0.48, s * 0.64);
  tail.closeSubpath();
  painter.setBrush(Qt::white);
  painter.drawPath(bubble.united(tail));
  if (unread > 0) {
    const QString text = unread > 99 ? QStringLiteral("99+") : QString::number(unread);
    const qreal d = s * (text.size() > 2 ? 0.62 : 0.54);
    const QRectF badge(s - d, 0, d, d);
    painter.setBrush(QColor(0xe5, 0x39, 0x35));
    painter.setPen(QPen(Qt::white, std::max(1.0, s * 0.03)));
    painter.drawEllipse(badge);
    QFont font = painter.font();
    font.setBold(true);
    font.setPixelSize(std::max(6, static_cast<int>(d * (text.size() > 2 ? 0.42 : 0.55))));
    painter.setFont(font);
    painter.setPen(Qt::white);
    painter.drawText(badge, Qt::AlignCenter, text);
  }
  return pixmap;
}

}  // namespace

QIcon Tray::make_icon(qint64 unread) {
  QIcon icon;
  for (const int size : {16, 22, 32, 48, 64, 128}) {
    icon.addPixmap(icon_pixmap(size, unread));
  }
  return icon;
}

Tray::Tray(client::Session& session, MainWindow& window, QObject* parent)
    : QObject(parent), session_(session), window_(window) {
  if (QSystemTrayIcon::isSystemTrayAvailable()) {
    icon_ = new QSystemTrayIcon(this);
    menu_ = std::make_unique<QMenu>();
    menu_->addAction(tr("Show The Messenger"), &window_, &MainWindow::bring_to_front);
    menu_->addSeparator();
    menu_->addAction(tr("Quit"), this, &Tray::quitRequested);
    icon_->setContextMenu(menu_.get());
    connect(icon_, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
              if (reason != QSystemTrayIcon::Trigger && reason != QSystemTrayIcon::DoubleClick) {
                return;
              }
              if (window_.isVisible() && window_.isActiveWindow()) {
                window_.hide();
              } else {
                window_.bring_to_front();
              }
            });
    connect(icon_, &QSystemTrayIcon::messageClicked, this, [this] {
      window_.bring_to_front();
      if (last_.conversation.is_valid()) {
        window_.open_conversation(last_.conversation);
      }
    });
    update_icon(session_.unread_total());
    icon_->show();
  }
  connect(&session_, &client::Session::unreadTotalChanged, this, &Tray::update_icon);
  connect(&session_, &client::Session::messageReceived, this, &Tray::on_message);
}

Tray::~Tray() = default;

void Tray::update_icon(qint64 unread) {
  if (icon_ == nullptr) {
    return;
  }
  icon_->setIcon(make_icon(unread));
  icon_->setToolTip(unread > 0
                        ? tr("The Messenger \u2014 %n unread", nullptr, static_cast<int>(unread))
                        : tr("The Messenger"));
}

Tray::Notice Tray::notice_for(const core::Message& message) const {
  const core::ConversationId id = message.conversation_id;
  if (message.sender_id == session_.me().user.id || window_.is_in_front(id) ||
      session_.is_muted(id)) {
    return {};
  }
  const DesktopSettings settings = DesktopSettings::from_json(session_.settings());
  if (!settings.notifications_enabled) {
    return {};
  }
  Notice notice;
  notice.conversation = id;
  const QString sender = session_.display_name(message.sender_id);
  const auto summary = session_.conversation(id);
  const bool direct =
      summary && summary->conversation.conversation.kind == core::ConversationKind::direct;
  notice.title = direct ? sender : tr("%1 in %2").arg(sender, session_.title(id));
  if (settings.notification_preview) {
    QString text = QString::fromStdString(message.text).simplified();
    if (text.size() > kPreviewChars) {
      text = text.left(kPreviewChars - 1) + QChar(0x2026);
    }
    notice.text = text;
  } else {
    notice.text = tr("New message");
  }
  return notice;
}

void Tray::on_message(const core::Message& message) {
  Notice notice = notice_for(message);
  if (notice.title.isEmpty()) {
    return;
  }
  if (icon_ != nullptr && QSystemTrayIcon::supportsMessages()) {
    icon_->showMessage(notice.title, notice.text, QSystemTrayIcon::Information);
  } else {
    QApplication::alert(&window_);
  }
  last_ = std::move(notice);
  ++shown_;
}

}  // namespace messenger::desktop
