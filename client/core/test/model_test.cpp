// The sidebar and message list models, each watched by QAbstractItemModelTester, which fails
// the test on any broken model invariant (bad signals around inserts, moves, removes).
// Timestamps are made from local dates and times, so the day and group boundaries hold in any
// time zone; the dates avoid the usual daylight saving switches.

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <map>

#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"

using messenger::client::ConversationListModel;
using messenger::client::ConversationRow;
using messenger::client::MessageListModel;
using messenger::client::OutboxEntry;
using messenger::core::ConversationId;
using messenger::core::ConversationKind;
using messenger::core::Message;
using messenger::core::Rev;
using messenger::core::Seq;
using messenger::core::TimestampMs;
using messenger::core::UserId;
using messenger::protocol::PresenceState;

namespace {

constexpr ConversationId kConversation{7};
constexpr UserId kMe{1};
constexpr UserId kAlice{2};
constexpr UserId kBob{3};

using Tester = QAbstractItemModelTester;
constexpr auto kReport = QAbstractItemModelTester::FailureReportingMode::QtTest;

TimestampMs local_ms(int year, int month, int day, int hour, int minute) {
  return QDateTime(QDate(year, month, day), QTime(hour, minute)).toMSecsSinceEpoch();
}

// 2024-06-12 at hh:mm, local time.
TimestampMs at(int hour, int minute) {
  return local_ms(2024, 6, 12, hour, minute);
}

Message message(std::int64_t seq, UserId sender, TimestampMs created_at, std::string text = "hi",
                std::string client_msg_id = {}) {
  Message result;
  result.conversation_id = kConversation;
  result.seq = Seq{seq};
  result.rev = Rev{seq};
  result.sender_id = sender;
  result.client_msg_id = std::move(client_msg_id);
  result.text = std::move(text);
  result.created_at = created_at;
  return result;
}

// Messages first..last from Alice, one minute apart from 09:00.
std::vector<Message> page(std::int64_t first, std::int64_t last) {
  std::vector<Message> result;
  for (std::int64_t seq = first; seq <= last; ++seq) {
    result.push_back(message(seq, kAlice, at(9, 0) + seq * 60'000, "m" + std::to_string(seq)));
  }
  return result;
}

OutboxEntry outbox(std::string client_msg_id, std::string text, TimestampMs created_at,
                   bool failed = false, std::string error = {}) {
  OutboxEntry entry;
  entry.client_msg_id = std::move(client_msg_id);
  entry.conversation_id = kConversation;
  entry.text = std::move(text);
  entry.created_at = created_at;
  entry.failed = failed;
  entry.error = std::move(error);
  return entry;
}

ConversationRow conversation(std::int64_t id, TimestampMs last_activity, const QString& title) {
  ConversationRow row;
  row.summary.conversation.conversation.id = ConversationId{id};
  row.summary.conversation.conversation.last_activity = last_activity;
  row.title = title;
  return row;
}

QVariant value(const QAbstractItemModel& model, int row, int role) {
  return model.data(model.index(row, 0), role);
}

QStringList titles(const ConversationListModel& model) {
  QStringList result;
  for (int row = 0; row < model.rowCount(); ++row) {
    result << value(model, row, Qt::DisplayRole).toString();
  }
  return result;
}

QList<qint64> seqs(const MessageListModel& model) {
  QList<qint64> result;
  for (int row = 0; row < model.rowCount(); ++row) {
    result << value(model, row, MessageListModel::SeqRole).toLongLong();
  }
  return result;
}

bool role(const MessageListModel& model, int row, MessageListModel::Role which) {
  return value(model, row, which).toBool();
}

// Whether a dataChanged in `spy` covered `row` for `which` (an empty role list means all).
bool changed(const QSignalSpy& spy, int row, int which) {
  for (const QList<QVariant>& args : spy) {
    const auto top = args.at(0).value<QModelIndex>();
    const auto bottom = args.at(1).value<QModelIndex>();
    const auto roles = args.at(2).value<QList<int>>();
    if (top.row() <= row && row <= bottom.row() && (roles.isEmpty() || roles.contains(which))) {
      return true;
    }
  }
  return false;
}

/// Which message a row shows, stable while rows move: its seq, or its client_msg_id while
/// pending.
QString identity(const MessageListModel& model, int row) {
  const qint64 seq = value(model, row, MessageListModel::SeqRole).toLongLong();
  return seq != 0 ? QString::number(seq)
                  : "p:" + value(model, row, MessageListModel::ClientMsgIdRole).toString();
}

/// The grouping roles of every row as the documentation defines them, from the rows alone.
struct Grouping {
  bool first = false;
  bool day = false;
  bool operator==(const Grouping&) const = default;
};

std::vector<Grouping> expected_grouping(const MessageListModel& model) {
  std::vector<Grouping> result;
  for (int row = 0; row < model.rowCount(); ++row) {
    if (row == 0) {
      result.push_back({true, true});
      continue;
    }
    const Message& previous = *model.message_at(row - 1);
    const Message& current = *model.message_at(row);
    const bool day = QDateTime::fromMSecsSinceEpoch(previous.created_at).date() !=
                     QDateTime::fromMSecsSinceEpoch(current.created_at).date();
    const bool first = day || previous.deleted || previous.sender_id != current.sender_id ||
                       current.created_at - previous.created_at > 5 * 60 * 1000;
    result.push_back({first, day});
  }
  return result;
}

std::vector<Grouping> shown_grouping(const MessageListModel& model) {
  std::vector<Grouping> result;
  for (int row = 0; row < model.rowCount(); ++row) {
    result.push_back({role(model, row, MessageListModel::FirstInGroupRole),
                      role(model, row, MessageListModel::DayBreakRole)});
  }
  return result;
}

/// Records, by identity, the rows that a change announced: inserted, reset, or covered by a
/// dataChanged for a grouping role (or for every role). Identities are taken when the signal is
/// emitted, so later moves in the same change do not confuse them. Also checks that whenever a
/// view hears of a change, every row's grouping roles are already right.
class Announcements {
 public:
  explicit Announcements(MessageListModel& model) : model_(model) {
    QObject::connect(&model, &QAbstractItemModel::rowsInserted, &context_,
                     [this](const QModelIndex&, int first, int last) { note(first, last); });
    QObject::connect(&model, &QAbstractItemModel::rowsRemoved, &context_, [this] { note(0, -1); });
    QObject::connect(&model, &QAbstractItemModel::rowsMoved, &context_, [this] { note(0, -1); });
    QObject::connect(&model, &QAbstractItemModel::modelReset, &context_,
                     [this] { note(0, model_.rowCount() - 1); });
    QObject::connect(
        &model, &QAbstractItemModel::dataChanged, &context_,
        [this](const QModelIndex& top, const QModelIndex& bottom, const QList<int>& roles) {
          if (roles.isEmpty() || roles.contains(MessageListModel::FirstInGroupRole) ||
              roles.contains(MessageListModel::DayBreakRole)) {
            note(top.row(), bottom.row());
          } else {
            note(0, -1);
          }
        });
  }
  [[nodiscard]] bool contains(const QString& id) const { return announced_.contains(id); }
  /// The number of signals after which some row showed stale grouping roles.
  [[nodiscard]] int stale() const { return stale_; }
  void clear() { announced_.clear(); }

 private:
  void note(int first, int last) {
    for (int row = first; row <= last; ++row) announced_.insert(identity(model_, row));
    if (shown_grouping(model_) != expected_grouping(model_)) ++stale_;
  }

  MessageListModel& model_;
  QObject context_;
  QSet<QString> announced_;
  int stale_ = 0;
};

}  // namespace

class ModelTest : public QObject {
  Q_OBJECT

 private slots:
  void conversationsSortByActivityThenId() {
    ConversationListModel model;
    Tester tester(&model, kReport);
    ConversationRow direct = conversation(4, 300, "Alice");
    direct.summary.conversation.conversation.kind = ConversationKind::direct;
    direct.summary.conversation.conversation.topic = "lunch";
    direct.summary.conversation.conversation.archived = true;
    direct.summary.unread = 5;
    direct.last_text = "Alice: see you";
    direct.presence = PresenceState::away;
    direct.muted = true;
    model.reset({conversation(1, 100, "old"), conversation(2, 300, "tie low id"), direct,
                 conversation(3, 200, "middle"), conversation(1, 50, "old, last copy wins")});

    QCOMPARE(titles(model), QStringList({"Alice", "tie low id", "middle", "old, last copy wins"}));
    QCOMPARE(value(model, 0, Qt::ToolTipRole).toString(), QString("lunch"));
    QCOMPARE(value(model, 0, ConversationListModel::TopicRole).toString(), QString("lunch"));
    QCOMPARE(value(model, 0, ConversationListModel::IdRole).toLongLong(), 4);
    QCOMPARE(value(model, 0, ConversationListModel::KindRole).toString(), QString("direct"));
    QCOMPARE(value(model, 0, ConversationListModel::UnreadRole).toLongLong(), 5);
    QCOMPARE(value(model, 0, ConversationListModel::LastTextRole).toString(),
             QString("Alice: see you"));
    QCOMPARE(value(model, 0, ConversationListModel::LastActivityRole).toDateTime(),
             QDateTime::fromMSecsSinceEpoch(300));
    QCOMPARE(value(model, 0, ConversationListModel::PresenceRole).toString(), QString("away"));
    QVERIFY(value(model, 0, ConversationListModel::MutedRole).toBool());
    QVERIFY(value(model, 0, ConversationListModel::ArchivedRole).toBool());
    QCOMPARE(value(model, 1, ConversationListModel::KindRole).toString(), QString("group"));
    QCOMPARE(value(model, 1, ConversationListModel::PresenceRole).toString(), QString("offline"));
    QVERIFY(model.roleNames().contains(ConversationListModel::UnreadRole));
  }

  void conversationsUpsertMovesRows() {
    ConversationListModel model;
    Tester tester(&model, kReport);
    model.reset({conversation(1, 400, "a"), conversation(2, 300, "b"), conversation(3, 200, "c"),
                 conversation(4, 100, "d")});
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy data_changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.upsert(conversation(3, 500, "c new"));  // up to the top
    QCOMPARE(titles(model), QStringList({"c new", "a", "b", "d"}));
    QCOMPARE(moved.size(), 1);
    QCOMPARE(moved.at(0).at(1).toInt(), 2);  // start
    QCOMPARE(moved.at(0).at(4).toInt(), 0);  // destination row
    QVERIFY(changed(data_changed, 0, Qt::DisplayRole));

    model.upsert(conversation(1, 150, "a older"));  // down, between b and d
    QCOMPARE(titles(model), QStringList({"c new", "b", "a older", "d"}));
    QCOMPARE(moved.size(), 2);
    QCOMPARE(model.row_of(ConversationId{1}), 2);

    model.upsert(conversation(4, 10, "d last"));      // last row, stays last
    model.upsert(conversation(2, 300, "b renamed"));  // same place
    QCOMPARE(titles(model), QStringList({"c new", "b renamed", "a older", "d last"}));
    QCOMPARE(moved.size(), 2);

    model.upsert(conversation(9, 300, "tie, higher id"));  // new row, above b (same time)
    model.upsert(conversation(8, 1, "new, oldest"));
    QCOMPARE(titles(model), QStringList({"c new", "tie, higher id", "b renamed", "a older",
                                         "d last", "new, oldest"}));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(0).at(1).toInt(), 1);
    QCOMPARE(reset.size(), 0);

    model.upsert(conversation(8, 1000, "oldest to newest"));  // last row to the top
    QCOMPARE(model.row_of(ConversationId{8}), 0);
    model.upsert(conversation(3, 0, "top to bottom"));  // first row to the bottom
    QCOMPARE(model.row_of(ConversationId{3}), 5);
    QCOMPARE(titles(model), QStringList({"oldest to newest", "tie, higher id", "b renamed",
                                         "a older", "d last", "top to bottom"}));
  }

  void conversationsRemoveAndFind() {
    ConversationListModel model;
    Tester tester(&model, kReport);
    model.reset({conversation(1, 300, "a"), conversation(2, 200, "b"), conversation(3, 100, "c")});
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.remove(ConversationId{2});
    model.remove(ConversationId{42});
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 1);
    QCOMPARE(titles(model), QStringList({"a", "c"}));
    QCOMPARE(model.row_of(ConversationId{2}), -1);
    QCOMPARE(model.row_of(ConversationId{3}), 1);
    QVERIFY(model.find(ConversationId{2}) == nullptr);
    QVERIFY(model.find(ConversationId{3}) != nullptr);
    QCOMPARE(model.find(ConversationId{3})->title, QString("c"));
    QCOMPARE(model.rows().size(), std::size_t{2});

    model.reset({});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.row_of(ConversationId{1}), -1);
  }

  void messagesResetAndRoles() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    Message edited = message(3, kMe, at(9, 3), "mine, edited", "c3");
    edited.edited_at = at(9, 4);
    Message other_conversation = message(4, kAlice, at(9, 5));
    other_conversation.conversation_id = ConversationId{8};
    model.reset(
        {message(2, kBob, at(9, 2)), message(1, kAlice, at(9, 1)), edited, other_conversation},
        true);

    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3}));
    QVERIFY(model.has_older());
    QCOMPARE(model.row_of(Seq{2}), 1);
    QCOMPARE(model.row_of(Seq{4}), -1);
    QCOMPARE(model.message_at(2)->text, std::string("mine, edited"));
    QVERIFY(model.message_at(3) == nullptr);
    QVERIFY(model.message_at(-1) == nullptr);
    QCOMPARE(model.conversation_id(), kConversation);

    QCOMPARE(value(model, 0, MessageListModel::SenderNameRole).toString(), QString("User 2"));
    model.set_name_lookup([](UserId id) { return id == kAlice ? QString("Alice") : QString(); });
    QCOMPARE(value(model, 0, MessageListModel::SenderNameRole).toString(), QString("Alice"));
    QCOMPARE(value(model, 1, MessageListModel::SenderNameRole).toString(), QString("User 3"));
    QSignalSpy data_changed(&model, &QAbstractItemModel::dataChanged);
    model.refresh_names();
    QVERIFY(changed(data_changed, 2, MessageListModel::SenderNameRole));

    QCOMPARE(value(model, 2, MessageListModel::SenderIdRole).toLongLong(), kMe.value());
    QCOMPARE(value(model, 2, MessageListModel::TextRole).toString(), QString("mine, edited"));
    QCOMPARE(value(model, 2, Qt::DisplayRole).toString(), QString("mine, edited"));
    QCOMPARE(value(model, 2, MessageListModel::TimeRole).toDateTime(),
             QDateTime(QDate(2024, 6, 12), QTime(9, 3)));
    QVERIFY(role(model, 2, MessageListModel::EditedRole));
    QVERIFY(!role(model, 1, MessageListModel::EditedRole));
    QVERIFY(role(model, 2, MessageListModel::OwnRole));
    QVERIFY(!role(model, 1, MessageListModel::OwnRole));
    QCOMPARE(value(model, 2, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::sent));
    QCOMPARE(value(model, 2, MessageListModel::ClientMsgIdRole).toString(), QString("c3"));
    QVERIFY(model.roleNames().contains(MessageListModel::DayBreakRole));
  }

  void messagesPrependOlder() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    QList<qint64> requests;
    connect(&model, &MessageListModel::olderRequested, this,
            [&requests](Seq before) { requests << before.value(); });
    QSignalSpy loaded(&model, &MessageListModel::olderLoaded);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.reset(page(10, 12), true);
    model.set_pending({outbox("p1", "pending", at(10, 0))});

    model.load_older();
    model.load_older();
    QCOMPARE(requests, QList<qint64>({10}));
    QVERIFY(model.loading_older());

    inserted.clear();
    model.prepend_older(page(7, 10), true);  // 10 is already there: dropped
    QVERIFY(!model.loading_older());
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.at(0).at(0).toInt(), 3);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 2);
    QCOMPARE(seqs(model), QList<qint64>({7, 8, 9, 10, 11, 12, 0}));

    model.load_older();
    QCOMPARE(requests, QList<qint64>({10, 7}));
    model.older_failed();
    QVERIFY(!model.loading_older());
    model.load_older();
    QCOMPARE(requests, QList<qint64>({10, 7, 7}));

    model.prepend_older(page(5, 6), false);
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(loaded.at(1).at(0).toInt(), 2);
    QVERIFY(!model.has_older());
    model.load_older();
    QCOMPARE(requests.size(), 3);
    QCOMPARE(seqs(model), QList<qint64>({5, 6, 7, 8, 9, 10, 11, 12, 0}));
  }

  void messagesLoadOlderWhenEmpty() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    QList<qint64> requests;
    connect(&model, &MessageListModel::olderRequested, this,
            [&requests](Seq before) { requests << before.value(); });
    model.load_older();  // nothing older known yet
    QVERIFY(requests.isEmpty());

    model.reset({}, true);
    model.load_older();
    QCOMPARE(requests, QList<qint64>({0}));
    QSignalSpy loaded(&model, &MessageListModel::olderLoaded);
    model.prepend_older({}, false);
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.at(0).at(0).toInt(), 0);
    QVERIFY(!model.has_older());
  }

  void messagesApplyNewEditDelete() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    model.reset(page(10, 12), true);
    model.set_pending({outbox("p1", "pending", at(10, 0))});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.apply(message(13, kBob, at(9, 30), "new"));
    QCOMPARE(seqs(model), QList<qint64>({10, 11, 12, 13, 0}));
    model.apply(message(16, kBob, at(9, 31), "after a gap"));
    QCOMPARE(seqs(model), QList<qint64>({10, 11, 12, 13, 16, 0}));
    model.apply(message(14, kBob, at(9, 30), "fills the gap"));
    QCOMPARE(seqs(model), QList<qint64>({10, 11, 12, 13, 14, 16, 0}));
    QCOMPARE(inserted.size(), 3);
    QCOMPARE(inserted.at(1).at(1).toInt(), 4);

    Message edit = message(11, kAlice, at(9, 11), "m11 edited");
    edit.rev = Rev{20};
    edit.edited_at = at(9, 40);
    model.apply(edit);
    QCOMPARE(value(model, 1, MessageListModel::TextRole).toString(), QString("m11 edited"));
    QVERIFY(role(model, 1, MessageListModel::EditedRole));
    Message stale = message(11, kAlice, at(9, 11), "stale");
    stale.rev = Rev{15};
    model.apply(stale);
    QCOMPARE(value(model, 1, MessageListModel::TextRole).toString(), QString("m11 edited"));

    Message tombstone = message(12, kAlice, at(9, 12), "");
    tombstone.rev = Rev{21};
    tombstone.deleted = true;
    model.apply(tombstone);
    QCOMPARE(model.row_of(Seq{12}), 2);
    QVERIFY(role(model, 2, MessageListModel::DeletedRole));
    QVERIFY(value(model, 2, MessageListModel::TextRole).toString().isEmpty());
    QVERIFY(!role(model, 2, MessageListModel::EditedRole));

    model.apply(message(5, kAlice, at(8, 0), "older than the slice"));
    Message elsewhere = message(30, kAlice, at(9, 50));
    elsewhere.conversation_id = ConversationId{8};
    model.apply(elsewhere);
    QCOMPARE(seqs(model), QList<qint64>({10, 11, 12, 13, 14, 16, 0}));
    QCOMPARE(removed.size(), 0);

    model.reset(page(10, 11), false);  // the whole history: an older message goes in front
    model.apply(message(5, kAlice, at(8, 0), "first"));
    QCOMPARE(seqs(model), QList<qint64>({5, 10, 11, 0}));
  }

  void messagesApplyReplacesPending() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    model.reset(page(1, 2), false);
    model.set_pending({outbox("p1", "one", at(10, 0)), outbox("p2", "two", at(10, 1))});
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 0, 0}));
    QVERIFY(role(model, 2, MessageListModel::OwnRole));
    QCOMPARE(value(model, 2, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::sending));
    QCOMPARE(value(model, 3, MessageListModel::ClientMsgIdRole).toString(), QString("p2"));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // Acknowledged out of order: the second pending row leaves, the message goes before p1.
    model.apply(message(3, kMe, at(10, 1), "two", "p2"));
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3, 0}));
    QCOMPARE(value(model, 2, MessageListModel::TextRole).toString(), QString("two"));
    QCOMPARE(value(model, 3, MessageListModel::ClientMsgIdRole).toString(), QString("p1"));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(inserted.size(), 1);

    model.apply(message(4, kBob, at(10, 1), "same id, not mine", "p1"));
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3, 4, 0}));

    // The usual acknowledgement of the first pending row: in place, no insert or remove.
    inserted.clear();
    removed.clear();
    model.apply(message(5, kMe, at(10, 0), "one", "p1"));
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3, 4, 5}));
    QCOMPARE(inserted.size() + removed.size(), 0);
    QCOMPARE(value(model, 4, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::sent));

    // An outbox entry whose message is loaded is not shown again.
    model.set_pending({outbox("p3", "three", at(10, 2))});
    model.apply(message(6, kMe, at(10, 2), "three", "p3"));  // message.new
    model.set_pending({outbox("p3", "three", at(10, 2))});   // the outbox is cleared later
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3, 4, 5, 6}));
    model.set_pending({outbox("p4", "four", at(10, 3))});
    Message again = message(6, kMe, at(10, 2), "three", "p3");
    again.rev = Rev{9};
    model.apply(again);
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3, 4, 5, 6, 0}));
    Message four = message(7, kMe, at(10, 3), "four", "p4");
    model.apply(four);
    model.apply(four);  // a duplicate delivery
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 3, 4, 5, 6, 7}));
  }

  void messagesPendingStates() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    OutboxEntry elsewhere = outbox("x", "elsewhere", at(10, 0));
    elsewhere.conversation_id = ConversationId{8};
    model.reset({message(1, kMe, at(9, 0), "sent", "c1")}, false);
    model.set_pending({outbox("c1", "sent", at(9, 0)), elsewhere,
                       outbox("p1", "too long", at(10, 0), true, "message too long"),
                       outbox("p2", "two", at(10, 1))});
    QCOMPARE(seqs(model), QList<qint64>({1, 0, 0}));  // c1 is already loaded
    QCOMPARE(value(model, 1, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::failed));
    QCOMPARE(value(model, 1, MessageListModel::ErrorRole).toString(), QString("message too long"));
    QCOMPARE(value(model, 1, MessageListModel::TimeRole).toDateTime(),
             QDateTime(QDate(2024, 6, 12), QTime(10, 0)));
    QCOMPARE(value(model, 1, MessageListModel::SeqRole).toLongLong(), 0);
    QVERIFY(role(model, 1, MessageListModel::OwnRole));
    QCOMPARE(value(model, 2, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::sending));

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    model.set_pending({outbox("p1", "too long", at(10, 0)), outbox("p2", "two", at(10, 1))});
    QCOMPARE(inserted.size() + removed.size() + moved.size(), 0);  // retry: in place
    QCOMPARE(value(model, 1, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::sending));
    QVERIFY(value(model, 1, MessageListModel::ErrorRole).toString().isEmpty());

    model.set_pending({outbox("p2", "two", at(10, 1)), outbox("p3", "three", at(10, 2)),
                       outbox("p1", "too long", at(10, 3))});
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(value(model, 1, MessageListModel::ClientMsgIdRole).toString(), QString("p2"));
    QCOMPARE(value(model, 2, MessageListModel::ClientMsgIdRole).toString(), QString("p3"));
    QCOMPARE(value(model, 3, MessageListModel::ClientMsgIdRole).toString(), QString("p1"));

    model.set_pending({outbox("p3", "three", at(10, 2))});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(value(model, 1, MessageListModel::ClientMsgIdRole).toString(), QString("p3"));

    // A new slice that contains a pending message drops its pending row.
    model.reset({message(1, kMe, at(9, 0), "sent", "c1"), message(2, kMe, at(10, 2), "", "p3")},
                false);
    QCOMPARE(seqs(model), QList<qint64>({1, 2}));
    model.set_pending({outbox("p4", "four", at(10, 4))});
    model.prepend_older({message(0, kMe, at(8, 0))}, false);  // seq 0 is not a message
    QCOMPARE(seqs(model), QList<qint64>({1, 2, 0}));
    model.set_pending({});
    QCOMPARE(seqs(model), QList<qint64>({1, 2}));
  }

  void messagesGroupingAndDayBreaks() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    Message tombstone = message(5, kMe, at(9, 11), "");
    tombstone.deleted = true;
    model.reset({message(1, kAlice, at(9, 0)),                   // first row
                 message(2, kAlice, at(9, 3)),                   // same run
                 message(3, kAlice, at(9, 9)),                   // 6 minutes later
                 message(4, kMe, at(9, 10)),                     // another sender
                 tombstone,                                      // same run
                 message(6, kMe, at(9, 12)),                     // after a tombstone
                 message(7, kMe, at(23, 58)),                    // much later
                 message(8, kMe, local_ms(2024, 6, 13, 0, 1))},  // 3 minutes, next day
                false);
    model.set_pending({outbox("p1", "pending", local_ms(2024, 6, 13, 0, 2))});

    const QList<bool> first = {true, false, true, true, false, true, true, true, false};
    const QList<bool> day = {true, false, false, false, false, false, false, true, false};
    for (int row = 0; row < model.rowCount(); ++row) {
      QCOMPARE(role(model, row, MessageListModel::FirstInGroupRole), first.at(row));
      QCOMPARE(role(model, row, MessageListModel::DayBreakRole), day.at(row));
    }

    // An insertion changes the grouping of the row after it, and says so.
    model.reset({message(1, kAlice, at(9, 0)), message(3, kAlice, at(9, 2))}, false);
    QVERIFY(!role(model, 1, MessageListModel::FirstInGroupRole));
    QSignalSpy data_changed(&model, &QAbstractItemModel::dataChanged);
    model.apply(message(2, kBob, at(9, 1)));
    QVERIFY(role(model, 2, MessageListModel::FirstInGroupRole));
    QVERIFY(changed(data_changed, 2, MessageListModel::FirstInGroupRole));

    // So does a delete (the row after a tombstone starts a run).
    model.reset({message(1, kAlice, at(9, 0)), message(2, kAlice, at(9, 1))}, false);
    data_changed.clear();
    Message deleted = message(1, kAlice, at(9, 0), "");
    deleted.rev = Rev{5};
    deleted.deleted = true;
    model.apply(deleted);
    QVERIFY(role(model, 1, MessageListModel::FirstInGroupRole));
    QVERIFY(changed(data_changed, 1, MessageListModel::FirstInGroupRole));

    // And an older page in front of the first row.
    model.reset({message(5, kAlice, at(9, 5))}, true);
    QVERIFY(role(model, 0, MessageListModel::FirstInGroupRole));
    data_changed.clear();
    model.prepend_older({message(4, kAlice, at(9, 4))}, true);
    QVERIFY(!role(model, 1, MessageListModel::FirstInGroupRole));
    QVERIFY(!role(model, 1, MessageListModel::DayBreakRole));
    QVERIFY(changed(data_changed, 1, MessageListModel::FirstInGroupRole));
  }

  // The grouping roles are stored per row: after every kind of change they must equal what the
  // rows say, and a row whose roles changed must have been announced.
  void messagesGroupingFollowsEveryChange() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    QRandomGenerator random(20240612);
    const UserId senders[] = {kMe, kAlice, kBob};
    // Mostly a few minutes apart (runs), sometimes hours (day breaks), over a week of June.
    TimestampMs clock = local_ms(2024, 6, 10, 22, 0);
    const auto next_time = [&] {
      const int step = random.bounded(10);
      clock += step < 6   ? random.bounded(1, 4) * 60'000
               : step < 9 ? random.bounded(6, 60) * 60'000
                          : random.bounded(3, 20) * 3'600'000;
      return clock;
    };
    std::int64_t next_seq = 1000;
    int next_pending = 0;
    std::vector<OutboxEntry> outbox_entries;
    Announcements announced(model);

    model.reset(page(990, 999), true);
    for (int step = 0; step < 400; ++step) {
      std::map<QString, Grouping> before;
      const std::vector<Grouping> old_roles = shown_grouping(model);
      for (int row = 0; row < model.rowCount(); ++row) {
        before[identity(model, row)] = old_roles[static_cast<std::size_t>(row)];
      }
      announced.clear();

      const int loaded = [&] {
        int count = 0;
        while (count < model.rowCount() && model.message_at(count)->seq.is_valid()) ++count;
        return count;
      }();
      const UserId sender = senders[random.bounded(3)];
      switch (random.bounded(9)) {
        case 0:
        case 1:  // a new message
          model.apply(message(next_seq++, sender, next_time()));
          break;
        case 2: {  // a message into a gap, at any time
          next_seq += 2;
          model.apply(message(next_seq - 2, sender, next_time()));
          break;
        }
        case 3:  // an edit or a delete of a loaded message, maybe with another time
          if (loaded > 0) {
            Message changed_message = *model.message_at(random.bounded(loaded));
            changed_message.rev = Rev{changed_message.rev.value() + 1};
            changed_message.deleted = random.bounded(2) == 0;
            if (random.bounded(4) == 0) changed_message.created_at -= 2 * 3'600'000;
            model.apply(changed_message);
          }
          break;
        case 4:  // a new outbox entry
          outbox_entries.push_back(
              outbox("p" + std::to_string(next_pending++), "pending", next_time()));
          model.set_pending(outbox_entries);
          break;
        case 5:  // the outbox reordered, one failed or retried
          if (!outbox_entries.empty()) {
            std::swap(outbox_entries.front(),
                      outbox_entries[random.bounded(static_cast<int>(outbox_entries.size()))]);
            outbox_entries.back().failed = !outbox_entries.back().failed;
            model.set_pending(outbox_entries);
          }
          break;
        case 6:  // an outbox entry acknowledged
          if (!outbox_entries.empty()) {
            const OutboxEntry entry =
                outbox_entries[random.bounded(static_cast<int>(outbox_entries.size()))];
            model.apply(message(next_seq++, kMe, entry.created_at + 1'000, entry.text,
                                entry.client_msg_id));
            std::erase_if(outbox_entries, [&entry](const OutboxEntry& other) {
              return other.client_msg_id == entry.client_msg_id;
            });
            model.set_pending(outbox_entries);
          }
          break;
        case 7:  // an older page
          if (model.has_older() && loaded > 0) {
            const std::int64_t first_seq = model.message_at(0)->seq.value();
            std::vector<Message> older;
            for (std::int64_t seq = first_seq - 3; seq < first_seq; ++seq) {
              older.push_back(message(seq, senders[random.bounded(3)],
                                      model.message_at(0)->created_at -
                                          (first_seq - seq) * random.bounded(1, 90) * 60'000));
            }
            model.prepend_older(older, first_seq > 900);
          }
          break;
        default:  // sometimes a new slice
          if (random.bounded(10) == 0) model.reset(page(next_seq - 5, next_seq - 1), true);
          break;
      }

      const std::vector<Grouping> now = shown_grouping(model);
      QCOMPARE(now, expected_grouping(model));
      QVERIFY2(announced.stale() == 0,
               qPrintable(QString("step %1: stale roles at a signal").arg(step)));
      for (int row = 0; row < model.rowCount(); ++row) {
        const QString id = identity(model, row);
        const auto old = before.find(id);
        if (old != before.end() && old->second == now[static_cast<std::size_t>(row)]) continue;
        QVERIFY2(announced.contains(id),
                 qPrintable(QString("step %1: row %2 (%3) changed its grouping silently")
                                .arg(step)
                                .arg(row)
                                .arg(id)));
      }
    }
  }

  void messagesLastOwnMessage() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    QVERIFY(!model.last_own_message());
    Message deleted = message(3, kMe, at(9, 3), "");
    deleted.deleted = true;
    model.reset({message(1, kAlice, at(9, 1)), message(2, kMe, at(9, 2), "mine"), deleted,
                 message(4, kAlice, at(9, 4))},
                false);
    model.set_pending({outbox("p1", "pending", at(9, 5))});
    const std::optional<Message> last = model.last_own_message();
    QVERIFY(last.has_value());
    QCOMPARE(last->seq, Seq{2});
    QCOMPARE(last->text, std::string("mine"));

    model.reset({message(1, kAlice, at(9, 1))}, false);
    QVERIFY(!model.last_own_message());
  }

  void messagesHundredThousand() {
    MessageListModel model(kConversation, kMe);
    Tester tester(&model, kReport);
    constexpr int kCount = 100'000;
    std::vector<Message> messages;
    messages.reserve(kCount);
    const TimestampMs start = at(0, 0) - TimestampMs{kCount} * 60'000;
    for (int seq = 1; seq <= kCount; ++seq) {
      messages.push_back(message(seq, seq % 3 == 0 ? kMe : kAlice,
                                 start + TimestampMs{seq} * 60'000,
                                 "message " + std::to_string(seq), "c" + std::to_string(seq)));
    }
    model.reset(std::move(messages), true);
    model.set_pending({outbox("new", "newest", at(0, 1))});
    QCOMPARE(model.rowCount(), kCount + 1);

    model.apply(message(kCount + 1, kMe, at(0, 1), "newest", "new"));
    model.apply(message(kCount + 2, kAlice, at(0, 2), "reply"));
    Message edit = message(50'000, kAlice, start + TimestampMs{50'000} * 60'000, "edited");
    edit.rev = Rev{kCount + 3};
    model.apply(edit);
    model.apply(message(kCount + 5, kAlice, at(0, 3), "after a gap"));

    QCOMPARE(model.rowCount(), kCount + 3);
    QCOMPARE(model.row_of(Seq{50'000}), 49'999);
    QCOMPARE(value(model, 49'999, MessageListModel::TextRole).toString(), QString("edited"));
    QCOMPARE(model.row_of(Seq{kCount + 5}), kCount + 2);
    QCOMPARE(value(model, kCount, MessageListModel::SendStateRole).toInt(),
             static_cast<int>(MessageListModel::SendState::sent));
    QCOMPARE(model.last_own_message()->seq, Seq{kCount + 1});
    QVERIFY(role(model, kCount / 2, MessageListModel::FirstInGroupRole));
  }
};

QTEST_GUILESS_MAIN(ModelTest)
#include "model_test.moc"
