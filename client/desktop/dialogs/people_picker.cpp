#include "dialogs/people_picker.h"

#include <QApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "dialogs/directory_dialog.h"
#include "dialogs/profile_card.h"
#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kAvatarSize = 24;
constexpr int kMaxQueryChars = 200;  // protocol::Limits::max_profile_field_chars
constexpr int kPickedListMaxHeight = 120;

QString from_std(const std::string& text) {
  return QString::fromStdString(text);
}

QString name_of(const protocol::UserView& user) {
  return user.user.profile.display_name.empty() ? from_std(user.user.username)
                                                : from_std(user.user.profile.display_name);
}

// "Alice Smith — Engineer, Engineering".
QString describe(const protocol::UserView& user) {
  QStringList details;
  if (!user.user.profile.title.empty()) {
    details << from_std(user.user.profile.title);
  }
  if (!user.user.profile.department.empty()) {
    details << from_std(user.user.profile.department);
  }
  return details.isEmpty() ? name_of(user)
                           : QStringLiteral("%1 \u2014 %2").arg(name_of(user), details.join(", "));
}

core::UserId id_of(const QListWidgetItem* item) {
  return core::UserId(item->data(kIdRole).toLongLong());
}

}  // namespace

PeoplePicker::PeoplePicker(client::Session& session, Selection selection, QWidget* parent)
    : QWidget(parent),
      session_(session),
      selection_(selection),
      picked_none_(tr("Nobody picked yet.")),
      picked_some_(tr("Picked (%1):")),
      results_hint_(selection == Selection::multiple ? tr("Click people to add them.")
                                                     : tr("Pick a person.")) {
  setObjectName("peoplePicker");
  const bool multiple = selection_ == Selection::multiple;
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  search_edit_ = new QLineEdit(this);
  search_edit_->setObjectName("searchEdit");
  search_edit_->setClearButtonEnabled(true);
  search_edit_->setMaxLength(kMaxQueryChars);
  search_edit_->setPlaceholderText(tr("Search people by name, department or title"));
  search_edit_->installEventFilter(this);
  layout->addWidget(search_edit_);
  setFocusProxy(search_edit_);

  results_ = new QListWidget(this);
  results_->setObjectName("resultsList");
  results_->setIconSize(QSize(kAvatarSize, kAvatarSize));
  results_->setUniformItemSizes(true);
  results_->setSelectionMode(QAbstractItemView::SingleSelection);
  layout->addWidget(results_, 2);

  if (multiple) {
    picked_label_ = new QLabel(this);
    picked_label_->setObjectName("pickedLabel");
    picked_list_ = new QListWidget(this);
    picked_list_->setObjectName("pickedList");
    picked_list_->setIconSize(QSize(kAvatarSize, kAvatarSize));
    picked_list_->setToolTip(tr("Double-click someone to remove them."));
    picked_list_->setMaximumHeight(kPickedListMaxHeight);
    layout->addWidget(picked_label_);
    layout->addWidget(picked_list_, 1);
    connect(results_, &QListWidget::itemChanged, this, &PeoplePicker::on_item_changed);
    // A click anywhere on the row (or Space) ticks it, not just on the check box, so the items
    // are not user-checkable themselves (that would toggle twice on the box).
    connect(results_, &QListWidget::itemClicked, this, &PeoplePicker::toggle);
    results_->installEventFilter(this);
    connect(picked_list_, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* item) { unpick(id_of(item)); });
  } else {
    connect(results_, &QListWidget::currentItemChanged, this, &PeoplePicker::pickedChanged);
    connect(results_, &QListWidget::itemDoubleClicked, this, &PeoplePicker::activated);
  }

  status_ = new QLabel(this);
  status_->setObjectName("statusLabel");
  status_->setEnabled(false);
  layout->addWidget(status_);

  search_ = new DirectorySearch(session_, this);
  connect(search_edit_, &QLineEdit::textChanged, search_, &DirectorySearch::set_query);
  connect(search_, &DirectorySearch::started, this, [this] { status_->setText(tr("Searching…")); });
  connect(search_, &DirectorySearch::finished, this,
          [this](const std::vector<protocol::UserView>& users) {
            found_ = users;
            show_results();
          });
  connect(search_, &DirectorySearch::failed, this, [this](const QString& message) {
    status_->clear();
    emit searchFailed(message);
  });
  search_->search_now();
  update_picked();
}

std::vector<core::UserId> PeoplePicker::picked() const {
  if (selection_ == Selection::multiple) {
    return picked_order_;
  }
  if (const QListWidgetItem* current = results_->currentItem()) {
    return {id_of(current)};
  }
  return {};
}

void PeoplePicker::set_excluded(const std::vector<core::UserId>& users) {
  excluded_ = std::set<core::UserId>(users.begin(), users.end());
  const std::vector<core::UserId> was_picked = picked_order_;
  for (const core::UserId id : was_picked) {
    if (excluded_.count(id) != 0) {
      unpick(id);
    }
  }
  if (!found_.empty()) {  // else the first answer is still to come: keep "Searching…"
    show_results();
  }
}

void PeoplePicker::set_picked_texts(const QString& none, const QString& some) {
  picked_none_ = none;
  picked_some_ = some;
  update_picked();
}

void PeoplePicker::set_results_hint(const QString& hint) {
  const bool showing_hint = status_->text() == results_hint_;
  results_hint_ = hint;
  if (showing_hint) {
    status_->setText(results_hint_);
  }
}

void PeoplePicker::set_status(const QString& text) {
  status_->setText(text);
}

void PeoplePicker::show_results() {
  const core::UserId me = session_.signed_in() ? session_.me().user.id : core::UserId();
  const core::UserId current =
      results_->currentItem() ? id_of(results_->currentItem()) : core::UserId();
  const bool single = selection_ == Selection::single;
  {
    const QSignalBlocker blocker(results_);
    results_->clear();
    for (const protocol::UserView& user : found_) {
      if (user.user.id == me || user.user.disabled || excluded_.count(user.user.id) != 0) {
        continue;
      }
      auto* item = new QListWidgetItem(describe(user), results_);
      item->setData(kIdRole, QVariant::fromValue<qint64>(user.user.id.value()));
      item->setData(Qt::UserRole, name_of(user));
      item->setIcon(initials_avatar(name_of(user), user.user.id, kAvatarSize));
      item->setToolTip(
          QStringLiteral("@%1 \u00b7 %2").arg(from_std(user.user.username), presence_text(user)));
      if (!single) {
        item->setCheckState(picked_names_.count(user.user.id) != 0 ? Qt::Checked : Qt::Unchecked);
      }
      if (user.user.id == current) {
        results_->setCurrentItem(item);
      }
    }
    if (single && !results_->currentItem() && results_->count() > 0) {
      results_->setCurrentRow(0);
    }
  }
  status_->setText(results_->count() == 0 ? tr("Nobody found.") : results_hint_);
  if (single) {
    emit pickedChanged();
  }
}

void PeoplePicker::toggle(QListWidgetItem* item) {
  if (item && selection_ == Selection::multiple) {
    item->setCheckState(item->checkState() == Qt::Checked ? Qt::Unchecked : Qt::Checked);
  }
}

void PeoplePicker::on_item_changed(QListWidgetItem* item) {
  const core::UserId id = id_of(item);
  const bool checked = item->checkState() == Qt::Checked;
  const bool was_picked = picked_names_.count(id) != 0;
  if (checked && !was_picked) {
    picked_names_.emplace(id, item->data(Qt::UserRole).toString());
    picked_order_.push_back(id);
    update_picked();
    emit pickedChanged();
  } else if (!checked && was_picked) {
    unpick(id);
  }
}

void PeoplePicker::unpick(core::UserId id) {
  if (picked_names_.erase(id) == 0) {
    return;
  }
  picked_order_.erase(std::remove(picked_order_.begin(), picked_order_.end(), id),
                      picked_order_.end());
  {
    const QSignalBlocker blocker(results_);
    for (int i = 0; i < results_->count(); ++i) {
      if (id_of(results_->item(i)) == id) {
        results_->item(i)->setCheckState(Qt::Unchecked);
      }
    }
  }
  update_picked();
  emit pickedChanged();
}

void PeoplePicker::update_picked() {
  if (!picked_list_) {
    return;
  }
  picked_list_->clear();
  for (const core::UserId id : picked_order_) {
    const QString& name = picked_names_.at(id);
    auto* item = new QListWidgetItem(initials_avatar(name, id, kAvatarSize), name, picked_list_);
    item->setData(kIdRole, QVariant::fromValue<qint64>(id.value()));
  }
  const auto count = static_cast<int>(picked_order_.size());
  picked_label_->setText(count == 0 ? picked_none_ : picked_some_.arg(count));
}

bool PeoplePicker::eventFilter(QObject* watched, QEvent* event) {
  if (watched == search_edit_ && event->type() == QEvent::KeyPress) {
    const int key = static_cast<QKeyEvent*>(event)->key();
    if (key == Qt::Key_Up || key == Qt::Key_Down) {
      // Arrow keys move through the results while typing.
      QApplication::sendEvent(results_, event);
      return true;
    }
    if (key == Qt::Key_Return || key == Qt::Key_Enter) {
      // Enter in the search box picks the current person; it never reaches the dialog's
      // default button, which would finish a multiple pick half done.
      if (selection_ == Selection::single) {
        emit activated();
      } else {
        toggle(results_->currentItem());
      }
      return true;
    }
  }
  if (watched == results_ && event->type() == QEvent::KeyPress &&
      static_cast<QKeyEvent*>(event)->key() == Qt::Key_Space) {
    toggle(results_->currentItem());
    return true;
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace messenger::desktop
