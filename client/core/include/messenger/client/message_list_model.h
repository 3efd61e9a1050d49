#pragma once

#include <QAbstractListModel>
#include <QString>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "messenger/client/local_cache.h"
#include "messenger/protocol/messages.h"

namespace messenger::client {

/// The loaded slice of one conversation's messages, oldest first, followed by my messages that
/// are still in the outbox. Rows are painted by a delegate (no widget per message); older pages
/// are loaded on demand (the view calls load_older() when scrolled near the top). Filled by the
/// Session; knows nothing about the network. Qt::DisplayRole is the text. Sized for 100,000
/// loaded messages: data() reads only the row (the local day and the grouping flags are computed
/// when a row or its predecessor changes, not when painted), apply() finds rows by binary search
/// on seq, new messages are appended in amortized O(1). Local days follow the time zone in force
/// when a row was stored; after a change of the system time zone they are right again from the
/// next reset().
class MessageListModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum class SendState { sent, sending, failed };
  Q_ENUM(SendState)

  enum Role {
    SeqRole = Qt::UserRole + 1,  // qint64; 0 for an unsent message
    SenderIdRole,                // qint64
    SenderNameRole,              // QString
    TextRole,                    // QString (empty for a deleted message)
    TimeRole,                    // QDateTime (local time) the message was created
    EditedRole,                  // bool
    DeletedRole,                 // bool: a tombstone
    OwnRole,                     // bool: sent by me
    SendStateRole,               // SendState as int
    ErrorRole,                   // QString: why a send failed
    ClientMsgIdRole,             // QString
    /// bool: the first message of a run by one sender; the delegate draws the sender's name and
    /// time above it. True for the first row and when the previous row is from another sender,
    /// is a tombstone, was created more than 5 minutes earlier or on another local day.
    FirstInGroupRole,
    /// bool: the first row, or the local date differs from the previous row's; a date separator
    /// goes above it.
    DayBreakRole,
  };
  Q_ENUM(Role)

  MessageListModel(core::ConversationId conversation, core::UserId me, QObject* parent = nullptr);

  [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
  [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

  [[nodiscard]] core::ConversationId conversation_id() const { return conversation_; }

  // ---- for the view ----
  /// True while older messages may exist before the first loaded one.
  [[nodiscard]] bool has_older() const { return has_older_; }
  [[nodiscard]] bool loading_older() const { return loading_older_; }
  /// Asks for the page before the first loaded message (emits olderRequested once; ignored
  /// while a request is pending or when there is nothing older).
  void load_older();
  /// -1 when not loaded.
  [[nodiscard]] int row_of(core::Seq seq) const;
  /// My newest message that is sent and not deleted (for "Up arrow edits my last message").
  [[nodiscard]] std::optional<core::Message> last_own_message() const;
  /// nullptr when out of range. A pending row gives a message without seq or rev.
  [[nodiscard]] const core::Message* message_at(int row) const;

  // ---- for the Session ----
  /// How sender names are shown (the Session knows the users).
  void set_name_lookup(std::function<QString(core::UserId)> lookup);
  /// Sender names changed (a profile update): repaint.
  void refresh_names();
  /// Replaces the slice (the newest page, when the conversation is first opened). Keeps the
  /// pending rows; ends a pending older-page request.
  void reset(std::vector<core::Message> ascending, bool has_older);
  /// Puts an older page (ascending, all with seq below the first loaded) in front; messages
  /// not below the first loaded seq are dropped. Ends the older-page request and emits
  /// olderLoaded, also when the page is empty.
  void prepend_older(std::vector<core::Message> ascending, bool has_more);
  /// The older page could not be loaded (offline): allows another load_older() later.
  void older_failed();
  /// A new or changed message: inserted in seq order, or replaces the row with its seq when
  /// its rev is not older (an edit, or a delete that leaves a tombstone in place). If it is mine
  /// and carries the client_msg_id of a pending row, that row becomes the sent message (no
  /// duplicate). Messages older than the loaded slice are ignored while has_older(); gaps in
  /// seq are allowed (the Session fills them). Messages of other conversations are ignored.
  void apply(const core::Message& message);
  /// The outbox entries of this conversation (oldest first), shown after the messages as
  /// sending, or failed with the entry's error. Entries of other conversations and entries
  /// whose message is already loaded are skipped. Updates rows in place where it can.
  void set_pending(const std::vector<OutboxEntry>& pending);

 signals:
  /// The view wants the page before `before` (the first loaded seq; invalid = the newest).
  void olderRequested(messenger::core::Seq before);
  /// An older page was put in front: `count` rows were inserted at row 0 (the view keeps its
  /// scroll position by that many rows).
  void olderLoaded(int count);

 private:
  struct Row {
    core::Message message;  // for a pending row: no seq or rev, sender me, the outbox text
    SendState state = SendState::sent;
    QString error;
    // Derived when the row is stored (local_day) or it or its predecessor changes (the flags):
    // converting to local time asks the C library for the time zone each time, too slow for
    // every data() call of a long list.
    std::int64_t local_day = 0;  // Julian day of created_at in local time
    bool first_in_group = true;
    bool day_break = true;
  };
  /// The local days of the last conversion, [start_ms, end_ms): consecutive messages are
  /// usually on the same day, so most rows need no conversion at all.
  struct DaySpan {
    core::TimestampMs start_ms = 0;
    core::TimestampMs end_ms = 0;
    std::int64_t day = 0;
  };
  [[nodiscard]] int loaded_count() const { return static_cast<int>(pending_begin_); }
  /// The first loaded row whose seq is not below `seq` (loaded_count() when none).
  [[nodiscard]] int lower_bound_row(core::Seq seq) const;
  /// The pending row with this client_msg_id, -1 when none.
  [[nodiscard]] int pending_row_of(const std::string& client_msg_id) const;
  [[nodiscard]] Row pending_row(const OutboxEntry& entry);
  /// A row with its local day (the flags come from regroup()).
  [[nodiscard]] Row make_row(core::Message message, SendState state = SendState::sent,
                             QString error = {});
  [[nodiscard]] std::int64_t local_day(core::TimestampMs ms);
  void insert_loaded(int row, const core::Message& message);
  void remove_row(int row);
  /// Recomputes the grouping flags of rows first..last (clamped) from their predecessors;
  /// emits nothing.
  void regroup(int first, int last);
  /// The grouping roles of rows first..last (clamped) may have changed with a neighbour:
  /// regroup() and dataChanged for those roles.
  void notify_grouping(int first, int last);

  core::ConversationId conversation_;
  core::UserId me_;
  std::function<QString(core::UserId)> name_of_;
  /// Loaded rows ascending by seq (found by binary search), then the pending rows.
  std::vector<Row> rows_;
  std::size_t pending_begin_ = 0;  // rows_[pending_begin_..] are outbox entries
  /// client_msg_id of every loaded message of mine, so that an outbox entry the server already
  /// stored (a send acknowledged while offline) is never shown twice.
  std::unordered_set<std::string> own_client_msg_ids_;
  bool has_older_ = false;
  bool loading_older_ = false;
  DaySpan day_span_;
};

}  // namespace messenger::client
