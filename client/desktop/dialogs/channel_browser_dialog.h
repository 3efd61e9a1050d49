#pragma once

#include <QDialog>
#include <QString>
#include <QTimer>
#include <vector>

#include "messenger/core/ids.h"
#include "messenger/protocol/messages.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

/// The public channels (Session::browse_channels), searched by name, with topic, member count
/// and whether I am in each. Join (Session::join) or, for a channel I am in, Open: both emit
/// conversationOpened() and close the dialog. Double-click or Enter does the same.
class ChannelBrowserDialog : public QDialog {
  Q_OBJECT

 public:
  enum Column { kNameColumn, kTopicColumn, kMembersColumn, kJoinedColumn, kColumnCount };
  static constexpr int kDebounceMs = 250;

  ChannelBrowserDialog(client::Session& session, QWidget* parent = nullptr);

  /// Joins or opens the channel in the current row.
  void activate_current();

 signals:
  void conversationOpened(messenger::core::ConversationId id);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void browse();
  void show_channels(const std::vector<protocol::ChannelInfo>& channels);
  void update_buttons();
  void join(core::ConversationId id);
  void show_error(const QString& text);

  client::Session& session_;
  QTimer debounce_;
  quint64 generation_ = 0;
  bool busy_ = false;
  QLineEdit* search_edit_ = nullptr;
  QTreeWidget* channels_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* error_ = nullptr;
  QPushButton* join_ = nullptr;
  QPushButton* open_ = nullptr;
};

}  // namespace messenger::desktop
