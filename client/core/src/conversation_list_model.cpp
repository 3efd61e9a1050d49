#include "messenger/client/conversation_list_model.h"

#include <QDateTime>
#include <algorithm>
#include <cassert>
#include <unordered_set>

namespace messenger::client {
namespace {

core::ConversationId id_of(const ConversationRow& row) {
  return row.summary.conversation.conversation.id;
}

QString to_qstring(std::string_view text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

}  // namespace

ConversationListModel::ConversationListModel(QObject* parent) : QAbstractListModel(parent) {}

bool ConversationListModel::comes_before(const ConversationRow& a, const ConversationRow& b) {
  const core::Conversation& left = a.summary.conversation.conversation;
  const core::Conversation& right = b.summary.conversation.conversation;
  if (left.last_activity != right.last_activity) return left.last_activity > right.last_activity;
  return left.id > right.id;
}

int ConversationListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.parent().isValid() || index.row() < 0 ||
      index.row() >= rowCount() || index.column() != 0) {
    return {};
  }
  const ConversationRow& row = rows_[static_cast<std::size_t>(index.row())];
  const core::Conversation& conversation = row.summary.conversation.conversation;
  switch (role) {
    case Qt::DisplayRole:
      return row.title;
    case Qt::ToolTipRole:
    case TopicRole:
      return to_qstring(conversation.topic);
    case IdRole:
      return QVariant::fromValue<qint64>(conversation.id.value());
    case KindRole:
      return to_qstring(core::to_string(conversation.kind));
    case UnreadRole:
      return QVariant::fromValue<qint64>(row.summary.unread);
    case LastTextRole:
      return row.last_text;
    case LastActivityRole:
      return conversation.last_activity == 0
                 ? QDateTime()
                 : QDateTime::fromMSecsSinceEpoch(conversation.last_activity);
    case PresenceRole:
      return to_qstring(protocol::to_string(row.presence));
    case MutedRole:
      return row.muted;
    case ArchivedRole:
      return conversation.archived;
    default:
      return {};
  }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
  QHash<int, QByteArray> names = QAbstractListModel::roleNames();
  names.insert(IdRole, "id");
  names.insert(KindRole, "kind");
  names.insert(UnreadRole, "unread");
  names.insert(LastTextRole, "lastText");
  names.insert(LastActivityRole, "lastActivity");
  names.insert(PresenceRole, "presence");
  names.insert(MutedRole, "muted");
  names.insert(ArchivedRole, "archived");
  names.insert(TopicRole, "topic");
  return names;
}

void ConversationListModel::reset(std::vector<ConversationRow> rows) {
  std::vector<ConversationRow> unique;
  unique.reserve(rows.size());
  std::unordered_set<core::ConversationId> seen;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (seen.insert(id_of(*it)).second) unique.push_back(std::move(*it));
  }
  std::sort(unique.begin(), unique.end(), comes_before);

  beginResetModel();
  rows_ = std::move(unique);
  endResetModel();
}

void ConversationListModel::upsert(ConversationRow row) {
  const int old_row = row_of(id_of(row));
  const auto begin = rows_.begin();
  if (old_row < 0) {
    const int new_row =
        static_cast<int>(std::lower_bound(begin, rows_.end(), row, comes_before) - begin);
    beginInsertRows({}, new_row, new_row);
    rows_.insert(rows_.begin() + new_row, std::move(row));
    endInsertRows();
    return;
  }

  // The other rows stay sorted; find where this one goes among them.
  const auto old_it = begin + old_row;
  int new_row = old_row;
  if (old_row > 0 && comes_before(row, rows_[static_cast<std::size_t>(old_row) - 1])) {
    new_row = static_cast<int>(std::lower_bound(begin, old_it, row, comes_before) - begin);
  } else if (old_row + 1 < rowCount() &&
             comes_before(rows_[static_cast<std::size_t>(old_row) + 1], row)) {
    new_row =
        static_cast<int>(std::lower_bound(old_it + 1, rows_.end(), row, comes_before) - begin) - 1;
  }

  if (new_row < old_row) {
    [[maybe_unused]] const bool ok = beginMoveRows({}, old_row, old_row, {}, new_row);
    assert(ok);
    std::rotate(begin + new_row, old_it, old_it + 1);
    endMoveRows();
  } else if (new_row > old_row) {
    // The destination counts rows before the move, so "below row new_row" is new_row + 1.
    [[maybe_unused]] const bool ok = beginMoveRows({}, old_row, old_row, {}, new_row + 1);
    assert(ok);
    std::rotate(old_it, old_it + 1, begin + new_row + 1);
    endMoveRows();
  }
  rows_[static_cast<std::size_t>(new_row)] = std::move(row);
  const QModelIndex changed = index(new_row);
  emit dataChanged(changed, changed);
}

void ConversationListModel::remove(core::ConversationId id) {
  const int row = row_of(id);
  if (row < 0) return;
  beginRemoveRows({}, row, row);
  rows_.erase(rows_.begin() + row);
  endRemoveRows();
}

int ConversationListModel::row_of(core::ConversationId id) const {
  const auto it = std::find_if(rows_.begin(), rows_.end(),
                               [id](const ConversationRow& row) { return id_of(row) == id; });
  return it == rows_.end() ? -1 : static_cast<int>(it - rows_.begin());
}

const ConversationRow* ConversationListModel::find(core::ConversationId id) const {
  const int row = row_of(id);
  return row < 0 ? nullptr : &rows_[static_cast<std::size_t>(row)];
}

}  // namespace messenger::client
