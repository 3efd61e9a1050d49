#pragma once

#include <QDialog>
#include <QObject>
#include <QString>
#include <QTimer>
#include <vector>

#include "messenger/core/ids.h"
#include "messenger/protocol/messages.h"

class QLabel;
class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

/// Debounced Session::search_directory for a search box: set_query() on every keystroke, one
/// request once typing pauses, and only the answer to the newest query is delivered (a slow
/// reply to an older query is dropped). Safe to destroy while a request is in flight.
class DirectorySearch : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDebounceMs = 250;

  explicit DirectorySearch(client::Session& session, QObject* parent = nullptr);

  /// Schedules a search for `query` (trimmed) after the debounce interval.
  void set_query(const QString& query);
  /// Searches for the current query at once.
  void search_now();

 signals:
  void started();
  void finished(const std::vector<messenger::protocol::UserView>& users);
  void failed(const QString& message);

 private:
  client::Session& session_;
  QTimer debounce_;
  QString query_;
  quint64 generation_ = 0;
};

/// The employee directory: search by name, username, department or title; a table of people
/// with title, department and presence. Double-click or Enter opens the person's ProfileCard,
/// whose "Send message" is passed on as conversationOpened() (and closes the directory).
class DirectoryDialog : public QDialog {
  Q_OBJECT

 public:
  enum Column { kNameColumn, kTitleColumn, kDepartmentColumn, kPresenceColumn, kColumnCount };

  DirectoryDialog(client::Session& session, QWidget* parent = nullptr);

  /// Opens the profile card of the person in the current row (if any).
  void open_current_profile();

 signals:
  void conversationOpened(messenger::core::ConversationId id);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void show_people(const std::vector<protocol::UserView>& users);
  void fill_row(QTreeWidgetItem* item, const protocol::UserView& user);
  void open_profile(core::UserId id);

  client::Session& session_;
  DirectorySearch* search_ = nullptr;
  QLineEdit* search_edit_ = nullptr;
  QTreeWidget* people_ = nullptr;
  QLabel* status_ = nullptr;
};

}  // namespace messenger::desktop
