#pragma once

#include <QString>
#include <QWidget>
#include <map>
#include <set>
#include <vector>

#include "messenger/core/ids.h"
#include "messenger/protocol/messages.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

class DirectorySearch;

/// Picks people from the employee directory: a search box (debounced), the people found, and a
/// line under them saying what the search is doing. `single`: one person, the current row; Enter
/// in the search box or a double-click emits activated(). `multiple`: a click or Space ticks a
/// row, the ticked people are listed under the results (double-click there removes them) and
/// stay picked across searches. I, disabled accounts and excluded people are never offered.
class PeoplePicker : public QWidget {
  Q_OBJECT

 public:
  enum class Selection { single, multiple };

  /// Starts a search for everyone at once.
  PeoplePicker(client::Session& session, Selection selection, QWidget* parent = nullptr);

  [[nodiscard]] Selection selection() const { return selection_; }
  /// multiple: the people ticked so far, in the order they were ticked. single: the person in
  /// the current row, if any.
  [[nodiscard]] std::vector<core::UserId> picked() const;

  /// People not to offer (e.g. the members already there). Also unpicks them.
  void set_excluded(const std::vector<core::UserId>& users);
  /// The label over the picked list: `none` while nobody is picked, else `some` with %1 = count.
  void set_picked_texts(const QString& none, const QString& some);
  /// The status line while people are listed (default "Click people to add them." or "Pick a
  /// person.").
  void set_results_hint(const QString& hint);
  /// Replaces the status line, e.g. with "Creating…" while the owner works.
  void set_status(const QString& text);

 signals:
  /// picked() changed.
  void pickedChanged();
  /// single: the person in the current row was chosen (Enter in the search box, double-click).
  void activated();
  /// The directory could not be searched; `message` is the server's.
  void searchFailed(const QString& message);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void show_results();
  void toggle(QListWidgetItem* item);
  void on_item_changed(QListWidgetItem* item);
  void unpick(core::UserId id);
  void update_picked();

  client::Session& session_;
  Selection selection_;
  std::vector<protocol::UserView> found_;  // the newest search's answer, unfiltered
  std::set<core::UserId> excluded_;
  // Picked people (multiple): id -> name, and the order they were picked in.
  std::map<core::UserId, QString> picked_names_;
  std::vector<core::UserId> picked_order_;
  QString picked_none_;
  QString picked_some_;
  QString results_hint_;
  DirectorySearch* search_ = nullptr;
  QLineEdit* search_edit_ = nullptr;
  QListWidget* results_ = nullptr;
  QLabel* picked_label_ = nullptr;
  QListWidget* picked_list_ = nullptr;
  QLabel* status_ = nullptr;
};

}  // namespace messenger::desktop
