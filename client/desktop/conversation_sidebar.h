#pragma once

#include <QList>
#include <QWidget>

#include "messenger/core/ids.h"

class QAction;
class QDateTime;
class QLineEdit;
class QListView;
class QMenu;
class QModelIndex;
class QSortFilterProxyModel;
class QToolButton;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

/// The left column: a filter box (Ctrl+K from the window), a "+" button for new conversations,
/// and my conversations (Session::conversations(), most recent first) painted by a delegate:
/// avatar with a presence dot for direct chats, title, time, last message, unread badge.
/// The selected conversation is the one shown on the right; it stays selected while rows move.
class ConversationSidebar : public QWidget {
  Q_OBJECT

 public:
  explicit ConversationSidebar(client::Session& session, QWidget* parent = nullptr);
  ~ConversationSidebar() override;

  /// The menu of the "+" button (new chat, group, channel, browse channels, directory).
  void set_actions(const QList<QAction*>& actions);

  /// Makes `id` the current conversation (clearing a filter that hides it); emits
  /// conversationSelected() when that changes. A conversation that is not listed yet is
  /// selected when it appears.
  void select(core::ConversationId id);
  /// Moves to the conversation `delta` rows below (negative: above) the current one.
  void select_relative(int delta);
  void focus_filter();

  [[nodiscard]] core::ConversationId current() const { return current_; }
  [[nodiscard]] QListView* list() const { return list_; }
  [[nodiscard]] QLineEdit* filter() const { return filter_; }

  /// When a conversation was last active, as its row shows it: the time of day (hours and
  /// minutes in the locale's format) for `now`'s day, "Yesterday", the weekday's short name
  /// within the last week, else the locale's short date. Empty for an invalid `when`.
  [[nodiscard]] static QString activity_label(const QDateTime& when, const QDateTime& now);

 signals:
  void conversationSelected(messenger::core::ConversationId id);
  /// Enter or a click on a conversation, or Escape in the filter: the user wants to write.
  void conversationActivated(messenger::core::ConversationId id);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void on_current_changed(const QModelIndex& current);
  void on_source_rows_removed();
  void restore_selection();
  [[nodiscard]] QModelIndex proxy_index_of(core::ConversationId id) const;
  [[nodiscard]] static core::ConversationId id_at(const QModelIndex& index);

  client::Session& session_;
  QLineEdit* filter_ = nullptr;
  QToolButton* new_button_ = nullptr;
  QMenu* new_menu_ = nullptr;
  QListView* list_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  core::ConversationId current_;
  bool restoring_ = false;
};

}  // namespace messenger::desktop
