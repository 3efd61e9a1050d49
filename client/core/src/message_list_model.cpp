#include "messenger/client/message_list_model.h"

#include <QDate>
#include <QDateTime>
#include <algorithm>
#include <cassert>
#include <iterator>

namespace messenger::client {
namespace {

// A message more than this after the previous one starts a new group.
constexpr core::TimestampMs kGroupGapMs = 5 * 60 * 1000;

QString to_qstring(const std::string& text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// Keeps the messages of `conversation` with a seq, ascending by seq, one per seq (the highest
// rev). Pages from the server are already like that; this only guards the invariant.
std::vector<core::Message> normalized(std::vector<core::Message> messages,
                                      core::ConversationId conversation) {
  std::erase_if(messages, [conversation](const core::Message& message) {
    return message.conversation_id != conversation || !message.seq.is_valid();
  });
  const auto by_seq = [](const core::Message& a, const core::Message& b) { return a.seq < b.seq; };
  if (!std::is_sorted(messages.begin(), messages.end(), by_seq)) {
    std::stable_sort(messages.begin(), messages.end(), by_seq);
  }
  std::vector<core::Message> unique;
  unique.reserve(messages.size());
  for (core::Message& message : messages) {
    if (!unique.empty() && unique.back().seq == message.seq) {
      if (message.rev >= unique.back().rev) unique.back() = std::move(message);
    } else {
      unique.push_back(std::move(message));
    }
  }
  return unique;
}

}  // namespace

MessageListModel::MessageListModel(core::ConversationId conversation, core::UserId me,
                                   QObject* parent)
    : QAbstractListModel(parent), conversation_(conversation), me_(me) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.parent().isValid() || index.row() < 0 ||
      index.row() >= rowCount() || index.column() != 0) {
    return {};
  }
  const Row& row = rows_[static_cast<std::size_t>(index.row())];
  const core::Message& message = row.message;
  switch (role) {
    case Qt::DisplayRole:
    case TextRole:
      return message.deleted ? QString() : to_qstring(message.text);
    case SeqRole:
      return QVariant::fromValue<qint64>(message.seq.value());
    case SenderIdRole:
      return QVariant::fromValue<qint64>(message.sender_id.value());
    case SenderNameRole: {
      QString name = name_of_ ? name_of_(message.sender_id) : QString();
      if (name.isEmpty()) name = QStringLiteral("User %1").arg(message.sender_id.value());
      return name;
    }
    case TimeRole:
      return QDateTime::fromMSecsSinceEpoch(message.created_at);
    case EditedRole:
      return message.edited_at != 0 && !message.deleted;
    case DeletedRole:
      return message.deleted;
    case OwnRole:
      return message.sender_id == me_ || row.state != SendState::sent;
    case SendStateRole:
      return static_cast<int>(row.state);
    case ErrorRole:
      return row.error;
    case ClientMsgIdRole:
      return to_qstring(message.client_msg_id);
    case FirstInGroupRole:
      return row.first_in_group;
    case DayBreakRole:
      return row.day_break;
    default:
      return {};
  }
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
  QHash<int, QByteArray> names = QAbstractListModel::roleNames();
  names.insert(SeqRole, "seq");
  names.insert(SenderIdRole, "senderId");
  names.insert(SenderNameRole, "senderName");
  names.insert(TextRole, "text");
  names.insert(TimeRole, "time");
  names.insert(EditedRole, "edited");
  names.insert(DeletedRole, "deleted");
  names.insert(OwnRole, "own");
  names.insert(SendStateRole, "sendState");
  names.insert(ErrorRole, "error");
  names.insert(ClientMsgIdRole, "clientMsgId");
  names.insert(FirstInGroupRole, "firstInGroup");
  names.insert(DayBreakRole, "dayBreak");
  return names;
}

void MessageListModel::load_older() {
  if (!has_older_ || loading_older_) return;
  loading_older_ = true;
  emit olderRequested(pending_begin_ > 0 ? rows_.front().message.seq : core::Seq{});
}

int MessageListModel::row_of(core::Seq seq) const {
  const int row = lower_bound_row(seq);
  return row < loaded_count() && rows_[static_cast<std::size_t>(row)].message.seq == seq ? row : -1;
}

std::optional<core::Message> MessageListModel::last_own_message() const {
  for (auto it = rows_.rbegin() + static_cast<std::ptrdiff_t>(rows_.size() - pending_begin_);
       it != rows_.rend(); ++it) {
    if (it->message.sender_id == me_ && !it->message.deleted) return it->message;
  }
  return std::nullopt;
}

const core::Message* MessageListModel::message_at(int row) const {
  if (row < 0 || row >= rowCount()) return nullptr;
  return &rows_[static_cast<std::size_t>(row)].message;
}

void MessageListModel::set_name_lookup(std::function<QString(core::UserId)> lookup) {
  name_of_ = std::move(lookup);
  refresh_names();
}

void MessageListModel::refresh_names() {
  if (rows_.empty()) return;
  emit dataChanged(index(0), index(rowCount() - 1), {SenderNameRole});
}

void MessageListModel::reset(std::vector<core::Message> ascending, bool has_older) {
  std::vector<core::Message> messages = normalized(std::move(ascending), conversation_);

  beginResetModel();
  own_client_msg_ids_.clear();
  day_span_ = {};  // the time zone may have changed since the last conversion
  std::vector<Row> rows;
  rows.reserve(messages.size() + (rows_.size() - pending_begin_));
  for (core::Message& message : messages) {
    if (message.sender_id == me_ && !message.client_msg_id.empty()) {
      own_client_msg_ids_.insert(message.client_msg_id);
    }
    rows.push_back(make_row(std::move(message)));
  }
  for (auto it = rows_.begin() + static_cast<std::ptrdiff_t>(pending_begin_); it != rows_.end();
       ++it) {
    if (own_client_msg_ids_.contains(it->message.client_msg_id)) continue;
    it->local_day = local_day(it->message.created_at);
    rows.push_back(std::move(*it));
  }
  rows_ = std::move(rows);
  pending_begin_ = messages.size();
  has_older_ = has_older;
  loading_older_ = false;
  regroup(0, rowCount() - 1);
  endResetModel();
}

void MessageListModel::prepend_older(std::vector<core::Message> ascending, bool has_more) {
  std::vector<core::Message> messages = normalized(std::move(ascending), conversation_);
  if (pending_begin_ > 0) {
    const core::Seq first = rows_.front().message.seq;
    std::erase_if(messages, [first](const core::Message& message) { return message.seq >= first; });
  }
  has_older_ = has_more;
  loading_older_ = false;

  std::vector<Row> older;
  older.reserve(messages.size());
  for (core::Message& message : messages) {
    if (message.sender_id == me_ && !message.client_msg_id.empty()) {
      own_client_msg_ids_.insert(message.client_msg_id);
    }
    older.push_back(make_row(std::move(message)));
  }
  for (int row = rowCount() - 1; row >= loaded_count(); --row) {
    if (own_client_msg_ids_.contains(rows_[static_cast<std::size_t>(row)].message.client_msg_id)) {
      remove_row(row);
    }
  }

  const int count = static_cast<int>(older.size());
  if (count > 0) {
    beginInsertRows({}, 0, count - 1);
    rows_.insert(rows_.begin(), std::make_move_iterator(older.begin()),
                 std::make_move_iterator(older.end()));
    pending_begin_ += older.size();
    regroup(0, count);
    endInsertRows();
    notify_grouping(count, count);
  }
  emit olderLoaded(count);
}

void MessageListModel::older_failed() {
  loading_older_ = false;
}

void MessageListModel::apply(const core::Message& message) {
  if (message.conversation_id != conversation_ || !message.seq.is_valid()) return;
  const int pending = message.sender_id == me_ && !message.client_msg_id.empty()
                          ? pending_row_of(message.client_msg_id)
                          : -1;
  const int row = lower_bound_row(message.seq);
  const int loaded = loaded_count();

  if (row < loaded && rows_[static_cast<std::size_t>(row)].message.seq == message.seq) {
    if (pending >= 0) remove_row(pending);  // below `row`'s index, so `row` stays valid
    Row& existing = rows_[static_cast<std::size_t>(row)];
    if (message.rev < existing.message.rev) return;
    existing = make_row(message);
    regroup(row, row + 1);
    emit dataChanged(index(row), index(row));
    notify_grouping(row + 1, row + 1);  // a tombstone starts a new group after it
    return;
  }
  if (row == 0 && loaded > 0 && has_older_) {
    // Older than the slice: it comes with its page.
    if (pending >= 0) remove_row(pending);
    return;
  }
  if (pending == loaded && row == loaded) {
    // The usual acknowledgement: the first pending row becomes the newest message in place,
    // so the view keeps its selection and scroll position.
    own_client_msg_ids_.insert(message.client_msg_id);
    rows_[static_cast<std::size_t>(pending)] = make_row(message);
    ++pending_begin_;
    regroup(pending, pending + 1);
    emit dataChanged(index(pending), index(pending));
    notify_grouping(pending + 1, pending + 1);  // the server's time may differ from the draft's
    return;
  }
  if (pending >= 0) remove_row(pending);
  insert_loaded(row, message);
}

void MessageListModel::set_pending(const std::vector<OutboxEntry>& pending) {
  std::vector<const OutboxEntry*> wanted;
  for (const OutboxEntry& entry : pending) {
    const bool duplicate = std::any_of(
        wanted.begin(), wanted.end(),
        [&entry](const OutboxEntry* other) { return other->client_msg_id == entry.client_msg_id; });
    if (entry.conversation_id == conversation_ && !duplicate &&
        !own_client_msg_ids_.contains(entry.client_msg_id)) {
      wanted.push_back(&entry);
    }
  }

  for (int row = rowCount() - 1; row >= loaded_count(); --row) {
    const std::string& id = rows_[static_cast<std::size_t>(row)].message.client_msg_id;
    if (std::none_of(wanted.begin(), wanted.end(),
                     [&id](const OutboxEntry* entry) { return entry->client_msg_id == id; })) {
      remove_row(row);
    }
  }

  // Every remaining row is wanted; put each wanted entry at its place, moving or inserting.
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const int target = loaded_count() + static_cast<int>(i);
    Row row = pending_row(*wanted[i]);
    const int found = pending_row_of(row.message.client_msg_id);
    if (found < 0) {
      beginInsertRows({}, target, target);
      rows_.insert(rows_.begin() + target, std::move(row));
      regroup(target, target + 1);
      endInsertRows();
      continue;
    }
    if (found != target) {
      assert(found > target);
      [[maybe_unused]] const bool ok = beginMoveRows({}, found, found, {}, target);
      assert(ok);
      std::rotate(rows_.begin() + target, rows_.begin() + found, rows_.begin() + found + 1);
      regroup(target, found + 1);  // the moved row, its new successor, its old successor
      endMoveRows();
    }
    Row& existing = rows_[static_cast<std::size_t>(target)];
    if (existing.message.text != row.message.text ||
        existing.message.created_at != row.message.created_at || existing.state != row.state ||
        existing.error != row.error) {
      existing = std::move(row);
      regroup(target, target + 1);
      emit dataChanged(index(target), index(target));
    }
  }
  notify_grouping(loaded_count(), rowCount() - 1);
}

int MessageListModel::lower_bound_row(core::Seq seq) const {
  const auto end = rows_.begin() + static_cast<std::ptrdiff_t>(pending_begin_);
  const auto it = std::partition_point(rows_.begin(), end,
                                       [seq](const Row& row) { return row.message.seq < seq; });
  return static_cast<int>(it - rows_.begin());
}

int MessageListModel::pending_row_of(const std::string& client_msg_id) const {
  for (std::size_t row = pending_begin_; row < rows_.size(); ++row) {
    if (rows_[row].message.client_msg_id == client_msg_id) return static_cast<int>(row);
  }
  return -1;
}

MessageListModel::Row MessageListModel::pending_row(const OutboxEntry& entry) {
  core::Message message;
  message.conversation_id = conversation_;
  message.sender_id = me_;
  message.client_msg_id = entry.client_msg_id;
  message.text = entry.text;
  message.created_at = entry.created_at;
  if (!entry.failed) return make_row(std::move(message), SendState::sending);
  return make_row(std::move(message), SendState::failed, to_qstring(entry.error));
}

MessageListModel::Row MessageListModel::make_row(core::Message message, SendState state,
                                                 QString error) {
  Row row{std::move(message), state, std::move(error)};
  row.local_day = local_day(row.message.created_at);
  return row;
}

std::int64_t MessageListModel::local_day(core::TimestampMs ms) {
  if (day_span_.start_ms <= ms && ms < day_span_.end_ms) return day_span_.day;
  const QDate date = QDateTime::fromMSecsSinceEpoch(ms).date();
  // startOfDay() handles a day that does not begin at midnight (a daylight saving switch).
  const core::TimestampMs start = date.startOfDay().toMSecsSinceEpoch();
  const core::TimestampMs end = date.addDays(1).startOfDay().toMSecsSinceEpoch();
  if (start <= ms && ms < end) day_span_ = DaySpan{start, end, date.toJulianDay()};
  return date.toJulianDay();
}

void MessageListModel::insert_loaded(int row, const core::Message& message) {
  beginInsertRows({}, row, row);
  rows_.insert(rows_.begin() + row, make_row(message));
  ++pending_begin_;
  if (message.sender_id == me_ && !message.client_msg_id.empty()) {
    own_client_msg_ids_.insert(message.client_msg_id);
  }
  regroup(row, row + 1);
  endInsertRows();
  notify_grouping(row + 1, row + 1);
}

void MessageListModel::remove_row(int row) {
  beginRemoveRows({}, row, row);
  rows_.erase(rows_.begin() + row);
  if (static_cast<std::size_t>(row) < pending_begin_) --pending_begin_;
  regroup(row, row);
  endRemoveRows();
  notify_grouping(row, row);
}

void MessageListModel::regroup(int first, int last) {
  first = std::max(first, 0);
  last = std::min(last, rowCount() - 1);
  for (int i = first; i <= last; ++i) {
    Row& row = rows_[static_cast<std::size_t>(i)];
    if (i == 0) {
      row.day_break = true;
      row.first_in_group = true;
      continue;
    }
    const Row& previous = rows_[static_cast<std::size_t>(i) - 1];
    row.day_break = row.local_day != previous.local_day;
    row.first_in_group = row.day_break || previous.message.deleted ||
                         previous.message.sender_id != row.message.sender_id ||
                         row.message.created_at - previous.message.created_at > kGroupGapMs;
  }
}

void MessageListModel::notify_grouping(int first, int last) {
  first = std::max(first, 0);
  last = std::min(last, rowCount() - 1);
  if (first > last) return;
  regroup(first, last);
  emit dataChanged(index(first), index(last), {FirstInGroupRole, DayBreakRole});
}

}  // namespace messenger::client
