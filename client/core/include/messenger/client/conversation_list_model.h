#pragma once

#include <QAbstractListModel>
#include <QString>
#include <vector>

#include "messenger/protocol/messages.h"

namespace messenger::client {

/// One row of the sidebar: a conversation with what the sidebar shows about it.
struct ConversationRow {
  protocol::ConversationSummary summary;
  QString title;      // name, or the other person's name for a direct conversation
  QString last_text;  // preview of the last message ("Alice: see you"), empty when none
  /// Presence of the other person of a direct conversation; offline for groups and channels.
  protocol::PresenceState presence = protocol::PresenceState::offline;
  bool muted = false;
};

/// The sidebar's conversations, most recent activity first (ties: higher id first). Filled by
/// the Session; the view filters it with a QSortFilterProxyModel on Qt::DisplayRole (the
/// title); Qt::ToolTipRole is the topic. A sidebar holds hundreds of rows, so lookups by id are
/// linear scans.
class ConversationListModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,  // qint64
    KindRole,                   // QString: "direct", "group", "channel"
    UnreadRole,                 // qint64
    LastTextRole,               // QString
    LastActivityRole,           // QDateTime (local time); invalid when last_activity is 0
    PresenceRole,               // QString: "online", "away", "offline"
    MutedRole,                  // bool
    ArchivedRole,               // bool
    TopicRole,                  // QString
  };
  Q_ENUM(Role)

  explicit ConversationListModel(QObject* parent = nullptr);

  [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
  [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

  /// Replaces every row (cache load, conv.list after a reconnect). Sorts them; of rows with the
  /// same id the last one wins.
  void reset(std::vector<ConversationRow> rows);
  /// Adds or updates one row and moves it to its place in the order (rowsMoved then
  /// dataChanged, so selection and scroll position survive).
  void upsert(ConversationRow row);
  /// Does nothing when absent.
  void remove(core::ConversationId id);

  /// -1 when absent.
  [[nodiscard]] int row_of(core::ConversationId id) const;
  [[nodiscard]] const ConversationRow* find(core::ConversationId id) const;
  [[nodiscard]] const std::vector<ConversationRow>& rows() const { return rows_; }

 private:
  /// Whether `a` is shown above `b`.
  static bool comes_before(const ConversationRow& a, const ConversationRow& b);

  std::vector<ConversationRow> rows_;  // in display order
};

}  // namespace messenger::client
