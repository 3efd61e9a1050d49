#include "dialogs/channel_browser_dialog.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kJoinedRole = Qt::UserRole + 2;
constexpr int kMaxQueryChars = 200;  // protocol::Limits::max_profile_field_chars

core::ConversationId id_of(const QTreeWidgetItem* item) {
  return core::ConversationId(item->data(ChannelBrowserDialog::kNameColumn, kIdRole).toLongLong());
}

bool joined(const QTreeWidgetItem* item) {
  return item->data(ChannelBrowserDialog::kNameColumn, kJoinedRole).toBool();
}

// Sorts the member count as a number, not as text.
class ChannelItem : public QTreeWidgetItem {
 public:
  using QTreeWidgetItem::QTreeWidgetItem;
  bool operator<(const QTreeWidgetItem& other) const override {
    const int column = treeWidget() ? treeWidget()->sortColumn() : 0;
    if (column == ChannelBrowserDialog::kMembersColumn) {
      return data(column, Qt::UserRole).toLongLong() <
             other.data(column, Qt::UserRole).toLongLong();
    }
    return QTreeWidgetItem::operator<(other);
  }
};

}  // namespace

ChannelBrowserDialog::ChannelBrowserDialog(client::Session& session, QWidget* parent)
    : QDialog(parent), session_(session) {
  setObjectName("channelBrowserDialog");
  setWindowTitle(tr("Browse channels"));

  search_edit_ = new QLineEdit(this);
  search_edit_->setObjectName("searchEdit");
  search_edit_->setPlaceholderText(tr("Search channels by name"));
  search_edit_->setClearButtonEnabled(true);
  search_edit_->setMaxLength(kMaxQueryChars);
  search_edit_->installEventFilter(this);

  channels_ = new QTreeWidget(this);
  channels_->setObjectName("channelTable");
  channels_->setColumnCount(kColumnCount);
  channels_->setHeaderLabels({tr("Channel"), tr("Topic"), tr("Members"), tr("Status")});
  channels_->setRootIsDecorated(false);
  channels_->setUniformRowHeights(true);
  channels_->setAlternatingRowColors(true);
  channels_->setSelectionMode(QAbstractItemView::SingleSelection);
  channels_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  channels_->setSortingEnabled(true);
  channels_->sortByColumn(kNameColumn, Qt::AscendingOrder);
  channels_->header()->setStretchLastSection(false);
  channels_->header()->setSectionResizeMode(kNameColumn, QHeaderView::ResizeToContents);
  channels_->header()->setSectionResizeMode(kTopicColumn, QHeaderView::Stretch);
  channels_->header()->setSectionResizeMode(kMembersColumn, QHeaderView::ResizeToContents);
  channels_->header()->setSectionResizeMode(kJoinedColumn, QHeaderView::ResizeToContents);
  channels_->installEventFilter(this);
  connect(channels_, &QTreeWidget::currentItemChanged, this, &ChannelBrowserDialog::update_buttons);
  connect(channels_, &QTreeWidget::itemDoubleClicked, this,
          &ChannelBrowserDialog::activate_current);

  status_ = new QLabel(this);
  status_->setObjectName("statusLabel");
  status_->setEnabled(false);
  error_ = new QLabel(this);
  error_->setObjectName("errorLabel");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c01c28;");
  error_->hide();

  auto* buttons = new QDialogButtonBox(this);
  join_ = buttons->addButton(tr("Join"), QDialogButtonBox::ActionRole);
  join_->setObjectName("joinButton");
  open_ = buttons->addButton(tr("Open"), QDialogButtonBox::ActionRole);
  open_->setObjectName("openButton");
  auto* close = buttons->addButton(QDialogButtonBox::Close);
  close->setObjectName("closeButton");
  for (QPushButton* button : {join_, open_, close}) {
    button->setAutoDefault(false);
  }
  connect(join_, &QPushButton::clicked, this, &ChannelBrowserDialog::activate_current);
  connect(open_, &QPushButton::clicked, this, &ChannelBrowserDialog::activate_current);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(search_edit_);
  layout->addWidget(channels_, 1);
  layout->addWidget(status_);
  layout->addWidget(error_);
  layout->addWidget(buttons);
  resize(680, 440);

  debounce_.setSingleShot(true);
  debounce_.setInterval(kDebounceMs);
  connect(&debounce_, &QTimer::timeout, this, &ChannelBrowserDialog::browse);
  connect(search_edit_, &QLineEdit::textChanged, &debounce_, qOverload<>(&QTimer::start));
  update_buttons();
  browse();
  search_edit_->setFocus();
}

void ChannelBrowserDialog::browse() {
  debounce_.stop();
  const quint64 generation = ++generation_;
  status_->setText(tr("Searching…"));
  QPointer<ChannelBrowserDialog> guard(this);
  session_.browse_channels(
      search_edit_->text().trimmed(),
      [guard, generation](core::Result<std::vector<protocol::ChannelInfo>> result) {
        if (!guard || generation != guard->generation_) {
          return;
        }
        if (!result) {
          guard->status_->clear();
          guard->show_error(tr("The channels could not be listed: %1")
                                .arg(QString::fromStdString(result.error().message)));
          return;
        }
        guard->error_->hide();
        guard->show_channels(*result);
      });
}

void ChannelBrowserDialog::show_channels(const std::vector<protocol::ChannelInfo>& channels) {
  const qint64 current = channels_->currentItem() ? id_of(channels_->currentItem()).value() : 0;
  channels_->setSortingEnabled(false);
  channels_->clear();
  for (const protocol::ChannelInfo& channel : channels) {
    const core::Conversation& c = channel.conversation;
    auto* item = new ChannelItem(channels_);
    item->setData(kNameColumn, kIdRole, QVariant::fromValue<qint64>(c.id.value()));
    item->setData(kNameColumn, kJoinedRole, channel.joined);
    item->setText(kNameColumn, '#' + QString::fromStdString(c.name));
    const QString topic = QString::fromStdString(c.topic);
    item->setText(kTopicColumn, topic);
    item->setToolTip(kTopicColumn, topic);
    item->setText(kMembersColumn, QString::number(channel.member_count));
    item->setData(kMembersColumn, Qt::UserRole, QVariant::fromValue<qint64>(channel.member_count));
    item->setTextAlignment(kMembersColumn, Qt::AlignRight | Qt::AlignVCenter);
    item->setText(kJoinedColumn, channel.joined ? tr("Joined") : QString());
    if (channel.joined) {
      QFont font = item->font(kNameColumn);
      font.setBold(true);
      item->setFont(kNameColumn, font);
    }
    if (c.id.value() == current) {
      channels_->setCurrentItem(item);
    }
  }
  channels_->setSortingEnabled(true);
  if (channels.empty()) {
    status_->setText(
        search_edit_->text().trimmed().isEmpty()
            ? tr("There are no public channels yet.")
            : tr("No channel matches \u201c%1\u201d.").arg(search_edit_->text().trimmed()));
  } else {
    status_->setText(channels.size() == 1
                         ? tr("1 channel.")
                         : tr("%1 channels.").arg(static_cast<qulonglong>(channels.size())));
  }
  update_buttons();
}

void ChannelBrowserDialog::update_buttons() {
  const QTreeWidgetItem* item = channels_->currentItem();
  join_->setEnabled(!busy_ && item && !joined(item));
  open_->setEnabled(!busy_ && item && joined(item));
  join_->setVisible(!item || !joined(item));
  open_->setVisible(item && joined(item));
}

void ChannelBrowserDialog::activate_current() {
  QTreeWidgetItem* item = channels_->currentItem();
  if (!item || busy_) {
    return;
  }
  if (joined(item)) {
    emit conversationOpened(id_of(item));
    accept();
    return;
  }
  join(id_of(item));
}

void ChannelBrowserDialog::join(core::ConversationId id) {
  busy_ = true;
  update_buttons();
  error_->hide();
  status_->setText(tr("Joining…"));
  QPointer<ChannelBrowserDialog> guard(this);
  session_.join(id, [guard, id](core::Result<core::Ok> result) {
    if (!guard) {
      return;
    }
    guard->busy_ = false;
    guard->status_->clear();
    if (!result) {
      guard->update_buttons();
      guard->show_error(
          tr("Could not join: %1").arg(QString::fromStdString(result.error().message)));
      return;
    }
    emit guard->conversationOpened(id);
    guard->accept();
  });
}

bool ChannelBrowserDialog::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::KeyPress) {
    const int key = static_cast<QKeyEvent*>(event)->key();
    const bool enter = key == Qt::Key_Return || key == Qt::Key_Enter;
    if (watched == channels_ && enter) {
      activate_current();
      return true;
    }
    if (watched == search_edit_ && (key == Qt::Key_Up || key == Qt::Key_Down)) {
      channels_->setFocus();
      QCoreApplication::sendEvent(channels_, event);
      return true;
    }
    if (watched == search_edit_ && enter) {
      if (!channels_->currentItem() && channels_->topLevelItemCount() > 0) {
        channels_->setCurrentItem(channels_->topLevelItem(0));
      }
      channels_->setFocus();
      return true;
    }
  }
  return QDialog::eventFilter(watched, event);
}

void ChannelBrowserDialog::show_error(const QString& text) {
  error_->setText(text);
  error_->show();
}

}  // namespace messenger::desktop
