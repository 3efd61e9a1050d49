#include "conversation_sidebar.h"

#include <QAction>
#include <QDateTime>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <functional>

#include "dialogs/profile_card.h"
#include "message_delegate.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/session.h"
#include "theme.h"

namespace messenger::desktop {
namespace {

using List = client::ConversationListModel;

protocol::PresenceState presence_of(const QString& text) {
  if (text == QLatin1String("online")) {
    return protocol::PresenceState::online;
  }
  if (text == QLatin1String("away")) {
    return protocol::PresenceState::away;
  }
  return protocol::PresenceState::offline;
}

// One conversation row: avatar (with a presence dot for direct chats), title and time on the
// first line, the last message and the unread badge on the second.
class ConversationDelegate : public QStyledItemDelegate {
 public:
  /// `avatar_seed`: the colour of a row's avatar; for a direct chat the other person's, so
  /// that it matches their avatar next to their messages.
  ConversationDelegate(std::function<qint64(const QModelIndex&)> avatar_seed, QObject* parent)
      : QStyledItemDelegate(parent), avatar_seed_(std::move(avatar_seed)) {}

  [[nodiscard]] QSize sizeHint(const QStyleOptionViewItem& option,
                               const QModelIndex&) const override {
    const QFontMetrics fm(option.font);
    return {200, std::max(avatar_size(fm) + 2 * padding(fm), 2 * fm.lineSpacing() + 18)};
  }

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override {
    const QFontMetrics fm(option.font);
    const QPalette& palette = option.palette;
    const QRect rect = option.rect;
    const bool selected = (option.state & QStyle::State_Selected) != 0;
    const QColor text_color = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = selected ? palette.color(QPalette::HighlightedText)
                          : palette.color(QPalette::PlaceholderText);
    if (selected) {
      dim.setAlpha(200);
    }

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    if (selected) {
      painter->fillRect(rect, palette.color(QPalette::Highlight));
    } else if (option.state & QStyle::State_MouseOver) {
      QColor hover = palette.color(QPalette::Text);
      hover.setAlpha(14);
      painter->fillRect(rect, hover);
    }

    const QString title = index.data(Qt::DisplayRole).toString();
    const QString kind = index.data(List::KindRole).toString();
    const int pad = padding(fm);
    const int avatar = avatar_size(fm);
    const QRectF avatar_rect(rect.left() + pad, rect.center().y() - avatar / 2.0 + 0.5, avatar,
                             avatar);
    paint_avatar(*painter, avatar_rect,
                 kind == QLatin1String("channel") ? QStringLiteral("#") : title,
                 avatar_seed_(index));
    if (kind == QLatin1String("direct")) {
      const qreal dot = avatar * 0.3;
      const QRectF ring(avatar_rect.right() - dot + 1, avatar_rect.bottom() - dot + 1, dot, dot);
      // A ring in the row's background colour cuts the dot out of the avatar.
      painter->setPen(QPen(palette.color(selected ? QPalette::Highlight : QPalette::Window), 2));
      painter->setBrush(presence_color(presence_of(index.data(List::PresenceRole).toString())));
      painter->drawEllipse(ring);
    }

    const int x = static_cast<int>(avatar_rect.right()) + pad;
    const int right = rect.right() - pad;
    const int top = rect.top() + (rect.height() - 2 * fm.lineSpacing() - 4) / 2;
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() > 0 ? option.font.pointSizeF() * 0.85 : 8.5);
    const QFontMetrics small_fm(small);

    // First line: title and time.
    const QString time = ConversationSidebar::activity_label(
        index.data(List::LastActivityRole).toDateTime(), QDateTime::currentDateTime());
    const int time_w = small_fm.horizontalAdvance(time);
    painter->setFont(small);
    painter->setPen(dim);
    painter->drawText(QRect(right - time_w, top, time_w, fm.lineSpacing()),
                      Qt::AlignRight | Qt::AlignVCenter, time);
    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(index.data(List::ArchivedRole).toBool() ? dim : text_color);
    const QFontMetrics bold_fm(bold);
    const int title_room = std::max(10, right - time_w - 6 - x);
    painter->drawText(QRect(x, top, title_room, fm.lineSpacing()), Qt::AlignLeft | Qt::AlignVCenter,
                      bold_fm.elidedText(title, Qt::ElideRight, title_room));

    // Second line: the last message and the unread badge.
    const int second = top + fm.lineSpacing() + 4;
    const qint64 unread = index.data(List::UnreadRole).toLongLong();
    int preview_right = right;
    if (unread > 0) {
      const QString count = unread > 999 ? QStringLiteral("999+") : QString::number(unread);
      QFont badge_font = small;
      badge_font.setBold(true);
      const QFontMetrics badge_fm(badge_font);
      const int h = badge_fm.height() + 4;
      const int w = std::max(h, badge_fm.horizontalAdvance(count) + 12);
      const QRect badge(right - w, second + (fm.lineSpacing() - h) / 2, w, h);
      const bool muted = index.data(List::MutedRole).toBool();
      QColor fill = selected ? palette.color(QPalette::HighlightedText)
                             : (muted ? palette.color(QPalette::PlaceholderText)
                                      : palette.color(QPalette::Highlight));
      if (muted) {
        fill.setAlpha(150);
      }
      painter->setPen(Qt::NoPen);
      painter->setBrush(fill);
      painter->drawRoundedRect(badge, h / 2.0, h / 2.0);
      painter->setFont(badge_font);
      painter->setPen(selected ? palette.color(QPalette::Highlight)
                               : palette.color(QPalette::HighlightedText));
      painter->drawText(badge, Qt::AlignCenter, count);
      preview_right = badge.left() - 6;
    }
    QString preview = index.data(List::LastTextRole).toString();
    preview.replace(QLatin1Char('\n'), QLatin1Char(' '));
    QFont preview_font = option.font;
    if (preview.isEmpty()) {
      preview = ConversationSidebar::tr("No messages yet");
      preview_font.setItalic(true);
    }
    painter->setFont(preview_font);
    painter->setPen(dim);
    const int preview_room = std::max(10, preview_right - x);
    painter->drawText(QRect(x, second, preview_room, fm.lineSpacing()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      fm.elidedText(preview, Qt::ElideRight, preview_room));
    painter->restore();
  }

 private:
  std::function<qint64(const QModelIndex&)> avatar_seed_;

  static int avatar_size(const QFontMetrics& fm) { return std::max(36, fm.lineSpacing() * 2 + 8); }
  static int padding(const QFontMetrics& fm) { return std::max(8, fm.lineSpacing() / 2); }
};

}  // namespace

ConversationSidebar::ConversationSidebar(client::Session& session, QWidget* parent)
    : QWidget(parent), session_(session) {
  setObjectName("conversationSidebar");
  filter_ = new QLineEdit(this);
  filter_->setObjectName("filterEdit");
  filter_->setPlaceholderText(tr("Search (Ctrl+K)"));
  filter_->setClearButtonEnabled(true);
  filter_->setFrame(false);
  filter_->installEventFilter(this);
  auto* filter_field = new FieldFrame(filter_, this);

  new_button_ = new QToolButton(this);
  new_button_->setObjectName("newConversationButton");
  new_button_->setText(QStringLiteral("+"));
  new_button_->setToolTip(tr("New conversation"));
  new_button_->setAutoRaise(true);
  QFont plus = new_button_->font();
  plus.setBold(true);
  plus.setPointSizeF(plus.pointSizeF() * 1.4);
  new_button_->setFont(plus);

  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(session_.conversations());
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  proxy_->setFilterRole(Qt::DisplayRole);

  list_ = new QListView(this);
  list_->setObjectName("conversationList");
  list_->setModel(proxy_);
  list_->setItemDelegate(new ConversationDelegate(
      [this](const QModelIndex& index) {
        const core::ConversationId id = id_at(index);
        const client::ConversationRow* row = session_.conversations()->find(id);
        if (row != nullptr &&
            row->summary.conversation.conversation.kind == core::ConversationKind::direct) {
          const core::UserId me = session_.me().user.id;
          for (const core::Member& member : row->summary.conversation.members) {
            if (member.user_id != me) {
              return member.user_id.value();
            }
          }
        }
        return id.value();
      },
      list_));
  list_->setUniformItemSizes(true);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  list_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  list_->setFrameShape(QFrame::NoFrame);
  // The column is a shade apart from the conversation on the right (Window, not Base).
  list_->viewport()->setBackgroundRole(QPalette::Window);
  list_->setMouseTracking(true);
  list_->viewport()->setAttribute(Qt::WA_Hover);
  list_->installEventFilter(this);

  auto* top = new QHBoxLayout;
  top->setContentsMargins(8, 8, 4, 8);
  top->setSpacing(4);
  top->addWidget(filter_field, 1);
  top->addWidget(new_button_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(top);
  layout->addWidget(list_, 1);

  connect(filter_, &QLineEdit::textChanged, this, [this](const QString& text) {
    proxy_->setFilterFixedString(text.trimmed());
    restore_selection();
  });
  connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& index) { on_current_changed(index); });
  connect(list_, &QListView::clicked, this,
          [this](const QModelIndex& index) { emit conversationActivated(id_at(index)); });
  connect(list_, &QListView::activated, this,
          [this](const QModelIndex& index) { emit conversationActivated(id_at(index)); });
  // Rows move as conversations get new messages; the selection follows the conversation.
  connect(proxy_, &QAbstractItemModel::modelReset, this, &ConversationSidebar::restore_selection);
  connect(proxy_, &QAbstractItemModel::layoutChanged, this,
          &ConversationSidebar::restore_selection);
  connect(proxy_, &QAbstractItemModel::rowsInserted, this, &ConversationSidebar::restore_selection);
  connect(proxy_, &QAbstractItemModel::rowsMoved, this, &ConversationSidebar::restore_selection);
  connect(session_.conversations(), &QAbstractItemModel::rowsRemoved, this,
          &ConversationSidebar::on_source_rows_removed);
}

ConversationSidebar::~ConversationSidebar() = default;

void ConversationSidebar::set_actions(const QList<QAction*>& actions) {
  // Opened by hand rather than with QToolButton::setMenu(), which would squeeze a menu arrow
  // next to the "+".
  if (new_menu_ == nullptr) {
    new_menu_ = new QMenu(new_button_);
    connect(new_button_, &QToolButton::clicked, this, [this] {
      new_menu_->exec(new_button_->mapToGlobal(QPoint(0, new_button_->height())));
    });
  }
  new_menu_->clear();
  new_menu_->addActions(actions);
}

QString ConversationSidebar::activity_label(const QDateTime& when, const QDateTime& now) {
  if (!when.isValid()) {
    return {};
  }
  const QLocale locale;
  const QDate today = now.date();
  const QDate date = when.date();
  if (date == today) {
    return short_time(when.time());
  }
  if (date == today.addDays(-1)) {
    return tr("Yesterday");
  }
  if (date < today && date > today.addDays(-7)) {
    return locale.dayName(date.dayOfWeek(), QLocale::ShortFormat);
  }
  return locale.toString(date, QLocale::ShortFormat);
}

core::ConversationId ConversationSidebar::id_at(const QModelIndex& index) {
  return core::ConversationId(index.isValid() ? index.data(List::IdRole).toLongLong() : 0);
}

QModelIndex ConversationSidebar::proxy_index_of(core::ConversationId id) const {
  auto* source = session_.conversations();
  const int row = source->row_of(id);
  return row < 0 ? QModelIndex() : proxy_->mapFromSource(source->index(row));
}

void ConversationSidebar::select(core::ConversationId id) {
  if (id.is_valid() && !proxy_index_of(id).isValid() && !filter_->text().isEmpty() &&
      session_.conversations()->row_of(id) >= 0) {
    filter_->clear();
  }
  const bool changed = id != current_;
  current_ = id;
  restore_selection();
  if (changed) {
    emit conversationSelected(id);
  }
}

void ConversationSidebar::select_relative(int delta) {
  const int rows = proxy_->rowCount();
  if (rows == 0) {
    return;
  }
  const QModelIndex current = proxy_index_of(current_);
  const int row = current.isValid() ? std::clamp(current.row() + delta, 0, rows - 1)
                                    : (delta > 0 ? 0 : rows - 1);
  select(id_at(proxy_->index(row, 0)));
}

void ConversationSidebar::focus_filter() {
  filter_->setFocus(Qt::ShortcutFocusReason);
  filter_->selectAll();
}

void ConversationSidebar::on_current_changed(const QModelIndex& current) {
  if (restoring_ || !current.isValid()) {
    return;  // a row that went away or was filtered out does not close the conversation
  }
  const core::ConversationId id = id_at(current);
  if (id != current_) {
    current_ = id;
    emit conversationSelected(id);
  }
}

void ConversationSidebar::on_source_rows_removed() {
  if (current_.is_valid() && session_.conversations()->row_of(current_) < 0) {
    current_ = {};
    emit conversationSelected(current_);
  }
}

void ConversationSidebar::restore_selection() {
  const QModelIndex index = proxy_index_of(current_);
  QItemSelectionModel* selection = list_->selectionModel();
  if (index == selection->currentIndex() && (!index.isValid() || selection->isSelected(index))) {
    return;
  }
  restoring_ = true;
  if (index.isValid()) {
    selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    list_->scrollTo(index);
  } else {
    selection->clear();
  }
  restoring_ = false;
}

bool ConversationSidebar::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::KeyPress) {
    return QWidget::eventFilter(watched, event);
  }
  const auto* key = static_cast<QKeyEvent*>(event);
  if (watched == filter_) {
    switch (key->key()) {
      case Qt::Key_Down:
        if (proxy_->rowCount() > 0) {
          list_->setFocus(Qt::TabFocusReason);
          if (!proxy_index_of(current_).isValid()) {
            select(id_at(proxy_->index(0, 0)));
          }
        }
        return true;
      case Qt::Key_Return:
      case Qt::Key_Enter: {
        if (proxy_->rowCount() == 0) {
          return true;
        }
        const QModelIndex shown = proxy_index_of(current_);
        const core::ConversationId id = shown.isValid() ? current_ : id_at(proxy_->index(0, 0));
        select(id);
        filter_->clear();
        emit conversationActivated(id);
        return true;
      }
      case Qt::Key_Escape:
        filter_->clear();
        emit conversationActivated(current_);
        return true;
      default:
        break;
    }
  } else if (watched == list_ && key->key() == Qt::Key_Escape) {
    emit conversationActivated(current_);
    return true;
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace messenger::desktop
