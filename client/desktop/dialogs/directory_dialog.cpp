#include "dialogs/directory_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "dialogs/profile_card.h"
#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kMaxQueryChars = 200;  // protocol: the query is at most max_profile_field_chars
constexpr int kAvatarSize = 24;
// Session::search_directory returns one page of this many people (no paging in its interface).
constexpr std::size_t kPageSize = 50;

QString from_std(const std::string& text) {
  return QString::fromStdString(text);
}

QIcon presence_dot(protocol::PresenceState state) {
  QPixmap pixmap(12, 12);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(presence_color(state));
  painter.drawEllipse(1, 1, 10, 10);
  return QIcon(pixmap);
}

}  // namespace

DirectorySearch::DirectorySearch(client::Session& session, QObject* parent)
    : QObject(parent), session_(session) {
  debounce_.setSingleShot(true);
  debounce_.setInterval(kDebounceMs);
  connect(&debounce_, &QTimer::timeout, this, &DirectorySearch::search_now);
}

void DirectorySearch::set_query(const QString& query) {
  query_ = query.trimmed();
  debounce_.start();
}

void DirectorySearch::search_now() {
  debounce_.stop();
  const quint64 generation = ++generation_;
  emit started();
  QPointer<DirectorySearch> guard(this);
  session_.search_directory(
      query_, [guard, generation](core::Result<std::vector<protocol::UserView>> result) {
        if (!guard || generation != guard->generation_) {
          return;
        }
        if (!result) {
          emit guard->failed(QString::fromStdString(result.error().message));
          return;
        }
        emit guard->finished(*result);
      });
}

DirectoryDialog::DirectoryDialog(client::Session& session, QWidget* parent)
    : QDialog(parent), session_(session) {
  setObjectName("directoryDialog");
  setWindowTitle(tr("People"));

  search_edit_ = new QLineEdit(this);
  search_edit_->setObjectName("searchEdit");
  search_edit_->setPlaceholderText(tr("Search by name, department or title"));
  search_edit_->setClearButtonEnabled(true);
  search_edit_->setMaxLength(kMaxQueryChars);

  people_ = new QTreeWidget(this);
  people_->setObjectName("peopleTable");
  people_->setColumnCount(kColumnCount);
  people_->setHeaderLabels({tr("Name"), tr("Title"), tr("Department"), tr("Presence")});
  people_->setRootIsDecorated(false);
  people_->setUniformRowHeights(true);
  people_->setAlternatingRowColors(true);
  people_->setSelectionMode(QAbstractItemView::SingleSelection);
  people_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  people_->setIconSize(QSize(kAvatarSize, kAvatarSize));
  people_->setSortingEnabled(true);
  people_->sortByColumn(kNameColumn, Qt::AscendingOrder);
  people_->header()->setStretchLastSection(false);
  people_->header()->setSectionResizeMode(kNameColumn, QHeaderView::Stretch);
  people_->header()->setSectionResizeMode(kTitleColumn, QHeaderView::ResizeToContents);
  people_->header()->setSectionResizeMode(kDepartmentColumn, QHeaderView::ResizeToContents);
  people_->header()->setSectionResizeMode(kPresenceColumn, QHeaderView::ResizeToContents);
  people_->installEventFilter(this);
  connect(people_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    open_profile(core::UserId(item->data(kNameColumn, kIdRole).toLongLong()));
  });

  status_ = new QLabel(this);
  status_->setObjectName("statusLabel");
  status_->setWordWrap(true);

  auto* buttons = new QDialogButtonBox(this);
  auto* profile = buttons->addButton(tr("View profile"), QDialogButtonBox::ActionRole);
  profile->setObjectName("viewProfileButton");
  profile->setEnabled(false);
  profile->setAutoDefault(false);
  auto* close = buttons->addButton(QDialogButtonBox::Close);
  close->setObjectName("closeButton");
  close->setAutoDefault(false);
  connect(profile, &QPushButton::clicked, this, &DirectoryDialog::open_current_profile);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(people_, &QTreeWidget::currentItemChanged, profile,
          [profile](QTreeWidgetItem* current) { profile->setEnabled(current != nullptr); });

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(search_edit_);
  layout->addWidget(people_, 1);
  layout->addWidget(status_);
  layout->addWidget(buttons);
  resize(720, 480);

  search_ = new DirectorySearch(session_, this);
  connect(search_edit_, &QLineEdit::textChanged, search_, &DirectorySearch::set_query);
  // Enter in the search box moves to the results rather than closing the dialog.
  connect(search_edit_, &QLineEdit::returnPressed, this, [this] {
    if (people_->topLevelItemCount() > 0) {
      people_->setFocus();
      if (!people_->currentItem()) {
        people_->setCurrentItem(people_->topLevelItem(0));
      }
    }
  });
  connect(search_, &DirectorySearch::started, this, [this] { status_->setText(tr("Searching…")); });
  connect(search_, &DirectorySearch::finished, this, &DirectoryDialog::show_people);
  connect(search_, &DirectorySearch::failed, this, [this](const QString& message) {
    status_->setText(tr("The directory could not be searched: %1").arg(message));
  });
  connect(&session_, &client::Session::userChanged, this, [this](core::UserId id) {
    const auto user = session_.user(id);
    if (!user) {
      return;
    }
    for (int i = 0; i < people_->topLevelItemCount(); ++i) {
      QTreeWidgetItem* item = people_->topLevelItem(i);
      if (item->data(kNameColumn, kIdRole).toLongLong() == id.value()) {
        fill_row(item, *user);
      }
    }
  });
  search_->search_now();
  search_edit_->setFocus();
}

void DirectoryDialog::show_people(const std::vector<protocol::UserView>& users) {
  const qint64 current =
      people_->currentItem() ? people_->currentItem()->data(kNameColumn, kIdRole).toLongLong() : 0;
  people_->setSortingEnabled(false);
  people_->clear();
  for (const protocol::UserView& user : users) {
    auto* item = new QTreeWidgetItem(people_);
    fill_row(item, user);
    if (user.user.id.value() == current) {
      people_->setCurrentItem(item);
    }
  }
  people_->setSortingEnabled(true);
  if (users.empty()) {
    status_->setText(
        search_edit_->text().trimmed().isEmpty()
            ? tr("The directory is empty.")
            : tr("Nobody matches \u201c%1\u201d.").arg(search_edit_->text().trimmed()));
  } else {
    QStringList parts{users.size() == 1
                          ? tr("1 person.")
                          : tr("%1 people.").arg(static_cast<qulonglong>(users.size()))};
    if (users.size() >= kPageSize) {
      parts << tr("Showing the first %1; type to narrow the search.").arg(kPageSize);
    }
    parts << tr("Double-click or press Enter to see a profile.");
    status_->setText(parts.join(' '));
  }
}

void DirectoryDialog::fill_row(QTreeWidgetItem* item, const protocol::UserView& user) {
  const core::User& u = user.user;
  const QString name =
      u.profile.display_name.empty() ? from_std(u.username) : from_std(u.profile.display_name);
  item->setData(kNameColumn, kIdRole, QVariant::fromValue<qint64>(u.id.value()));
  item->setText(kNameColumn, name);
  item->setIcon(kNameColumn, initials_avatar(name, u.id, kAvatarSize));
  item->setToolTip(kNameColumn, '@' + from_std(u.username));
  item->setText(kTitleColumn, from_std(u.profile.title));
  item->setText(kDepartmentColumn, from_std(u.profile.department));
  item->setText(kPresenceColumn, presence_text(user));
  item->setIcon(kPresenceColumn, presence_dot(user.presence));
  if (u.disabled) {
    item->setDisabled(true);
  }
}

bool DirectoryDialog::eventFilter(QObject* watched, QEvent* event) {
  if (watched == people_ && event->type() == QEvent::KeyPress) {
    const int key = static_cast<QKeyEvent*>(event)->key();
    if (key == Qt::Key_Return || key == Qt::Key_Enter) {
      open_current_profile();
      return true;
    }
  }
  return QDialog::eventFilter(watched, event);
}

void DirectoryDialog::open_current_profile() {
  if (QTreeWidgetItem* item = people_->currentItem()) {
    open_profile(core::UserId(item->data(kNameColumn, kIdRole).toLongLong()));
  }
}

void DirectoryDialog::open_profile(core::UserId id) {
  auto* card = new ProfileCard(session_, id, this);
  card->setAttribute(Qt::WA_DeleteOnClose);
  connect(card, &ProfileCard::conversationOpened, this, [this](core::ConversationId conversation) {
    emit conversationOpened(conversation);
    accept();
  });
  card->open();
}

}  // namespace messenger::desktop
