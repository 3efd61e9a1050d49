#include "messenger/client/session.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"
#include "test_server.h"

using namespace std::chrono_literals;

namespace messenger::client {
namespace {

using test::FrameProxy;
using test::RawClient;
using test::TestServer;

constexpr int kWaitMs = 20'000;
const Backoff kFastBackoff{20ms, 300ms};
constexpr auto kPassword = "password-for-tests";

/// What a message view shows in one row.
struct ShownRow {
  qint64 seq = 0;
  QString text;
  MessageListModel::SendState state = MessageListModel::SendState::sent;
  bool deleted = false;
  bool edited = false;
  QString client_msg_id;
};

std::vector<ShownRow> shown(const MessageListModel& model) {
  std::vector<ShownRow> rows;
  for (int i = 0; i < model.rowCount(); ++i) {
    const QModelIndex index = model.index(i);
    rows.push_back({model.data(index, MessageListModel::SeqRole).toLongLong(),
                    model.data(index, MessageListModel::TextRole).toString(),
                    static_cast<MessageListModel::SendState>(
                        model.data(index, MessageListModel::SendStateRole).toInt()),
                    model.data(index, MessageListModel::DeletedRole).toBool(),
                    model.data(index, MessageListModel::EditedRole).toBool(),
                    model.data(index, MessageListModel::ClientMsgIdRole).toString()});
  }
  return rows;
}

/// The texts of the rows, in order.
QStringList texts(const MessageListModel& model) {
  QStringList list;
  for (const auto& row : shown(model)) list << row.text;
  return list;
}

/// Every row sent, with seq 1..n in order and each seq once.
bool sent_in_order(const MessageListModel& model, int count) {
  const auto rows = shown(model);
  if (static_cast<int>(rows.size()) != count) return false;
  for (int i = 0; i < count; ++i) {
    if (rows[static_cast<std::size_t>(i)].seq != i + 1 ||
        rows[static_cast<std::size_t>(i)].state != MessageListModel::SendState::sent) {
      return false;
    }
  }
  return true;
}

std::int64_t unread(const Session& session, core::ConversationId id) {
  const auto summary = session.conversation(id);
  return summary ? summary->unread : -1;
}

/// A TCP port on 127.0.0.1 that nothing listens on (free a moment ago).
QUrl unused_url() {
  QTcpServer probe;
  probe.listen(QHostAddress::LocalHost, 0);
  return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(probe.serverPort()));
}

/// How a sign-in ended.
struct Outcome {
  bool signed_in = false;
  bool synced = false;
  std::optional<SignInProblem> problem;
  QString message;
  QString fingerprint;
};

/// Records the sign-in signals of a session.
std::shared_ptr<Outcome> watch(Session& session) {
  auto outcome = std::make_shared<Outcome>();
  QObject::connect(&session, &Session::signedIn, &session,
                   [outcome] { outcome->signed_in = true; });
  QObject::connect(&session, &Session::synced, &session, [outcome] { outcome->synced = true; });
  QObject::connect(&session, &Session::signInFailed, &session,
                   [outcome](SignInProblem problem, const QString& message, const QString& fp) {
                     outcome->problem = problem;
                     outcome->message = message;
                     outcome->fingerprint = fp;
                   });
  return outcome;
}

/// A Session signed in and synced, or nothing with `error` set.
std::unique_ptr<Session> signed_in(const QString& profile_dir, const QUrl& url,
                                   const QString& username, QString* error,
                                   bool keep_signed_in = false) {
  auto session = std::make_unique<Session>(profile_dir);
  session->set_reconnect_backoff(kFastBackoff);
  auto outcome = watch(*session);
  session->sign_in({url, username, kPassword, keep_signed_in});
  const bool ended = QTest::qWaitFor([&] { return outcome->synced || outcome->problem; }, kWaitMs);
  if (!ended || !outcome->synced) {
    *error = username + " did not sign in: " +
             (outcome->problem ? outcome->message : QStringLiteral("timed out"));
    return nullptr;
  }
  return session;
}

/// A server with an administrator connection and the users alice (Alice Smith), bob (Bob
/// Jones) and carol.
struct World {
  explicit World(QStringList server_args = {}) : server(std::move(server_args)) {}

  TestServer server;
  RawClient admin;
  qint64 alice = 0;
  qint64 bob = 0;
  qint64 carol = 0;

  bool start(QString* error) {
    if (!server.start(error) ||
        !admin.sign_in(server.url(), TestServer::kAdminUser, TestServer::kAdminPassword, error)) {
      return false;
    }
    alice = admin.create_user("alice", kPassword, "Alice Smith", error);
    bob = alice != 0 ? admin.create_user("bob", kPassword, "Bob Jones", error) : 0;
    carol = bob != 0 ? admin.create_user("carol", kPassword, "Carol", error) : 0;
    return carol != 0;
  }
};

/// Creates a group (as `owner`) and returns its id, or 0.
qint64 create_group(RawClient& owner, const QString& name, const QList<qint64>& members,
                    QString* error) {
  QJsonArray ids;
  for (const qint64 id : members) ids.append(id);
  auto result =
      owner.call("conv.create", {{"kind", "group"}, {"name", name}, {"member_ids", ids}}, error);
  return result ? result->value("conversation").toObject().value("id").toInteger() : 0;
}

bool raw_send(RawClient& client, qint64 conversation, const QString& text, QString* error) {
  return client
      .call("msg.send",
            {{"conversation_id", conversation}, {"client_msg_id", "raw-" + text}, {"text", text}},
            error)
      .has_value();
}

/// Every message of a conversation as the server has it (up to 200).
std::optional<QJsonArray> history(RawClient& client, qint64 conversation, QString* error) {
  auto result =
      client.call("msg.history", {{"conversation_id", conversation}, {"limit", 200}}, error);
  if (!result) return std::nullopt;
  return result->value("messages").toArray();
}

/// The user_ids of a user.get request.
QList<qint64> user_ids(const QJsonObject& request) {
  QList<qint64> ids;
  for (const auto& id : request.value("user_ids").toArray()) ids << id.toInteger();
  return ids;
}

/// Whether the server has answered this request (seen at the proxy).
bool answered(const FrameProxy& proxy, const QJsonObject& request) {
  return std::any_of(proxy.from_server.begin(), proxy.from_server.end(),
                     [&](const QJsonObject& frame) {
                       return frame.value("id") == request.value("id") &&
                              frame.value("type").toString() != QLatin1String("event");
                     });
}

/// Records the outcome of a call with a Callback<core::Ok>.
struct Done {
  std::optional<core::Status> status;
  [[nodiscard]] Session::Callback<core::Ok> callback() {
    return [this](core::Status result) { status = std::move(result); };
  }
  [[nodiscard]] core::Errc code() const {
    return status && !status->ok() ? status->error().code : core::Errc::internal;
  }
};

}  // namespace

class SessionTest : public QObject {
  Q_OBJECT

 private slots:
  void signInListsConversations() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Release 2.0", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    QVERIFY2(raw_send(alice, group, "hello bob", &error), qPrintable(error));

    QTemporaryDir profile;
    Session session(profile.path());
    session.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(session);
    QSignalSpy unread_total(&session, &Session::unreadTotalChanged);
    session.sign_in({world.server.url(), "bob", kPassword, false});
    QCOMPARE(session.connection_state(), ConnectionState::connecting);
    QTRY_VERIFY_WITH_TIMEOUT(outcome->synced, kWaitMs);
    QVERIFY(outcome->signed_in);
    QVERIFY(session.signed_in());
    QCOMPARE(session.connection_state(), ConnectionState::ready);
    QCOMPARE(session.me().user.username, std::string("bob"));
    QCOMPARE(session.server(), world.server.url());

    const core::ConversationId id(group);
    ConversationListModel* list = session.conversations();
    QCOMPARE(list->rowCount(), 1);
    const ConversationRow* row = list->find(id);
    QVERIFY(row);
    QCOMPARE(row->title, QStringLiteral("Release 2.0"));
    QCOMPARE(row->summary.unread, std::int64_t{1});
    QCOMPARE(row->last_text, QStringLiteral("Alice Smith: hello bob"));
    QCOMPARE(session.title(id), QStringLiteral("Release 2.0"));
    QCOMPARE(session.unread_total(), std::int64_t{1});
    QVERIFY(!unread_total.isEmpty());
    QCOMPARE(unread_total.last().at(0).toLongLong(), qlonglong{1});
    QCOMPARE(session.display_name(core::UserId(world.alice)), QStringLiteral("Alice Smith"));
    QVERIFY(session.user(core::UserId(world.alice)).has_value());

    MessageListModel* messages = session.messages(id);
    QCOMPARE(texts(*messages), QStringList{"hello bob"});
    QCOMPARE(messages->data(messages->index(0), MessageListModel::SenderNameRole).toString(),
             QStringLiteral("Alice Smith"));
    QVERIFY(!messages->has_older());

    // Not kept: nothing on the disk signs in next time.
    QVERIFY(!session.saved_login().has_value());
  }

  void wrongPasswordIsInvalidCredentials() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    Session session(profile.path());
    auto outcome = watch(session);
    session.sign_in({world.server.url(), "bob", "not-the-password", true});
    QTRY_VERIFY_WITH_TIMEOUT(outcome->problem.has_value(), kWaitMs);
    QCOMPARE(*outcome->problem, SignInProblem::invalid_credentials);
    QVERIFY(!outcome->signed_in);
    QVERIFY(!session.signed_in());
    QVERIFY(!session.saved_login().has_value());
    QCOMPARE(session.connection_state(), ConnectionState::offline);
  }

  void unreachableServer() {
    QTemporaryDir profile;
    Session session(profile.path());
    session.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(session);
    session.sign_in({unused_url(), "bob", kPassword, false});
    QTRY_VERIFY_WITH_TIMEOUT(outcome->problem.has_value(), kWaitMs);
    QCOMPARE(*outcome->problem, SignInProblem::unreachable);
    QVERIFY(!outcome->message.isEmpty());
    QVERIFY(!session.signed_in());
  }

  void liveMessageShowsOnceOnBothSides() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile_a;
    QTemporaryDir profile_b;
    auto a = signed_in(profile_a.path(), world.server.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    auto b = signed_in(profile_b.path(), world.server.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));

    std::optional<core::Result<core::ConversationId>> created;
    a->create_conversation(core::ConversationKind::group, "Live", "", {core::UserId(world.bob)},
                           [&](core::Result<core::ConversationId> result) { created = result; });
    QTRY_VERIFY_WITH_TIMEOUT(created.has_value(), kWaitMs);
    QVERIFY(created->ok());
    const core::ConversationId id = created->value();
    QVERIFY(a->conversation(id).has_value());
    QTRY_VERIFY_WITH_TIMEOUT(b->conversation(id).has_value(), kWaitMs);
    QCOMPARE(b->title(id), QStringLiteral("Live"));

    MessageListModel* model_a = a->messages(id);
    MessageListModel* model_b = b->messages(id);
    std::vector<core::Message> received;
    connect(b.get(), &Session::messageReceived, this,
            [&](const core::Message& message) { received.push_back(message); });

    const QString client_msg_id = a->send_message(id, "hi there");
    QVERIFY(!client_msg_id.isEmpty());
    QCOMPARE(model_a->rowCount(), 1);  // shown at once, as pending
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model_a, 1), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model_b, 1), kWaitMs);
    QCOMPARE(shown(*model_a).front().client_msg_id, client_msg_id);
    QCOMPARE(texts(*model_a), QStringList{"hi there"});
    QCOMPARE(texts(*model_b), QStringList{"hi there"});
    QCOMPARE(received.size(), std::size_t{1});
    QCOMPARE(received.front().text, std::string("hi there"));
    QCOMPARE(unread(*b, id), std::int64_t{1});
    QCOMPARE(unread(*a, id), std::int64_t{0});  // my own message is not unread
    QCOMPARE(b->conversations()->find(id)->last_text, QStringLiteral("Alice Smith: hi there"));

    // A second message: once it is in, every event about the first one has been delivered
    // too (events come in order), and the first still shows once.
    a->send_message(id, "and again");
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model_b, 2), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model_a, 2), kWaitMs);
    QCOMPARE(texts(*model_a), (QStringList{"hi there", "and again"}));
    QCOMPARE(texts(*model_b), (QStringList{"hi there", "and again"}));
    QCOMPARE(received.size(), std::size_t{2});
    QCOMPARE(unread(*b, id), std::int64_t{2});
  }

  void reconnectCatchesUpBySeq() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    qint64 group = 0;
    {
      RawClient alice;
      QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
      group = create_group(alice, "Catch-up", {world.bob}, &error);
      QVERIFY2(group != 0, qPrintable(error));
      for (const auto* text : {"one", "two", "three"}) {
        QVERIFY2(raw_send(alice, group, text, &error), qPrintable(error));
      }
    }
    const core::ConversationId id(group);
    QTemporaryDir profile;
    auto b = signed_in(profile.path(), world.server.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));
    MessageListModel* model = b->messages(id);
    QVERIFY(sent_in_order(*model, 3));
    QSignalSpy synced(b.get(), &Session::synced);

    world.server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(b->connection_state() != ConnectionState::ready, kWaitMs);
    QVERIFY2(world.server.restart(&error), qPrintable(error));
    {
      RawClient alice;
      QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
      for (const auto* text : {"four", "five", "six", "seven", "eight"}) {
        QVERIFY2(raw_send(alice, group, text, &error), qPrintable(error));
      }
    }
    QTRY_VERIFY_WITH_TIMEOUT(synced.count() >= 1, kWaitMs);
    QCOMPARE(b->connection_state(), ConnectionState::ready);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, 8), kWaitMs);
    QCOMPARE(texts(*model),
             (QStringList{"one", "two", "three", "four", "five", "six", "seven", "eight"}));
    QCOMPARE(unread(*b, id), std::int64_t{8});
    QCOMPARE(b->conversations()->find(id)->last_text, QStringLiteral("Alice Smith: eight"));

    // And live again after the catch-up.
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    QVERIFY2(raw_send(alice, group, "nine", &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, 9), kWaitMs);
    QCOMPARE(texts(*model).last(), QStringLiteral("nine"));
  }

  void outboxIsSentOnceAfterRestart() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient bob;
    QVERIFY2(bob.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(bob, "Outbox", {world.alice}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);

    QTemporaryDir profile;
    QStringList ids;
    {
      auto a = signed_in(profile.path(), world.server.url(), "alice", &error, true);
      QVERIFY2(a, qPrintable(error));
      QVERIFY(a->conversation(id).has_value());
      world.server.kill();
      QTRY_VERIFY_WITH_TIMEOUT(a->connection_state() != ConnectionState::ready, kWaitMs);
      MessageListModel* model = a->messages(id);
      for (const auto* text : {"first", "second", "third"}) ids << a->send_message(id, text);
      QCOMPARE(texts(*model), (QStringList{"first", "second", "third"}));
      for (const auto& row : shown(*model)) {
        QCOMPARE(row.state, MessageListModel::SendState::sending);
        QCOMPARE(row.seq, qint64{0});
      }
    }  // the client quits with three messages unsent

    QVERIFY2(world.server.restart(&error), qPrintable(error));
    Session a(profile.path());
    a.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(a);
    QVERIFY(a.saved_login().has_value());
    QVERIFY(a.resume_saved());
    QVERIFY(outcome->signed_in);  // at once, from the cache
    MessageListModel* model = a.messages(id);
    QCOMPARE(texts(*model), (QStringList{"first", "second", "third"}));  // still pending
    QTRY_VERIFY_WITH_TIMEOUT(outcome->synced, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, 3), kWaitMs);
    QCOMPARE(texts(*model), (QStringList{"first", "second", "third"}));
    QStringList shown_ids;
    for (const auto& row : shown(*model)) shown_ids << row.client_msg_id;
    QCOMPARE(shown_ids, ids);

    RawClient checker;
    QVERIFY2(checker.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const auto messages = history(checker, group, &error);
    QVERIFY2(messages, qPrintable(error));
    QStringList stored;
    QStringList stored_ids;
    for (const auto& value : *messages) {
      stored << value.toObject().value("text").toString();
      stored_ids << value.toObject().value("client_msg_id").toString();
    }
    QCOMPARE(stored, (QStringList{"first", "second", "third"}));
    QCOMPARE(stored_ids, ids);

    // Sending goes on after the outbox: the fourth message comes after the three, and nothing
    // of the outbox was sent again before it.
    a.send_message(id, "fourth");
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, 4), kWaitMs);
    const auto after = history(checker, group, &error);
    QVERIFY2(after, qPrintable(error));
    QCOMPARE(after->size(), qsizetype{4});
    QCOMPARE(after->last().toObject().value("text").toString(), QStringLiteral("fourth"));
  }

  void resendAfterLostReplyIsDeduplicated() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient bob;
    QVERIFY2(bob.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(bob, "Lost reply", {world.alice}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);

    QTemporaryDir profile;
    QString lost;
    {
      auto a = signed_in(profile.path(), world.server.url(), "alice", &error, true);
      QVERIFY2(a, qPrintable(error));
      world.server.kill();
      QTRY_VERIFY_WITH_TIMEOUT(a->connection_state() != ConnectionState::ready, kWaitMs);
      lost = a->send_message(id, "stored, reply lost");
    }
    QVERIFY2(world.server.restart(&error), qPrintable(error));
    // As if the send had reached the server and only its reply was lost.
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    QVERIFY2(alice
                 .call("msg.send",
                       {{"conversation_id", group},
                        {"client_msg_id", lost},
                        {"text", "stored, reply lost"}},
                       &error)
                 .has_value(),
             qPrintable(error));

    Session a(profile.path());
    a.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(a);
    QVERIFY(a.resume_saved());
    MessageListModel* model = a.messages(id);
    QTRY_VERIFY_WITH_TIMEOUT(outcome->synced, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, 1), kWaitMs);
    QCOMPARE(shown(*model).front().client_msg_id, lost);
    const auto messages = history(alice, group, &error);
    QVERIFY2(messages, qPrintable(error));
    QCOMPARE(messages->size(), qsizetype{1});
  }

  void editAndDeleteReachTheOtherSession() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Edits", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir profile_a;
    QTemporaryDir profile_b;
    auto a = signed_in(profile_a.path(), world.server.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    auto b = signed_in(profile_b.path(), world.server.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));
    MessageListModel* model_a = a->messages(id);
    MessageListModel* model_b = b->messages(id);

    a->send_message(id, "original");
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model_b, 1), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model_a, 1), kWaitMs);

    std::optional<core::Result<core::Message>> edited;
    a->edit_message(id, core::Seq(1), "edited",
                    [&](core::Result<core::Message> result) { edited = result; });
    QTRY_VERIFY_WITH_TIMEOUT(edited.has_value(), kWaitMs);
    QVERIFY(edited->ok());
    QCOMPARE(shown(*model_a).front().text, QStringLiteral("edited"));
    QTRY_COMPARE_WITH_TIMEOUT(shown(*model_b).front().text, QStringLiteral("edited"), kWaitMs);
    QVERIFY(shown(*model_b).front().edited);

    std::optional<core::Result<core::Message>> deleted;
    a->delete_message(id, core::Seq(1),
                      [&](core::Result<core::Message> result) { deleted = result; });
    QTRY_VERIFY_WITH_TIMEOUT(deleted.has_value(), kWaitMs);
    QVERIFY(deleted->ok());
    QVERIFY(shown(*model_a).front().deleted);
    QTRY_VERIFY_WITH_TIMEOUT(shown(*model_b).front().deleted, kWaitMs);
    QCOMPARE(shown(*model_b).front().text, QString());
    QCOMPARE(model_b->rowCount(), 1);  // a tombstone, not a second row
    // The deleted message no longer counts as unread for bob.
    QCOMPARE(unread(*b, id), std::int64_t{0});
  }

  void markReadFollowsOnMyOtherDevice() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Reads", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir laptop;
    QTemporaryDir desktop;
    auto b1 = signed_in(laptop.path(), world.server.url(), "bob", &error);
    QVERIFY2(b1, qPrintable(error));
    auto b2 = signed_in(desktop.path(), world.server.url(), "bob", &error);
    QVERIFY2(b2, qPrintable(error));

    QVERIFY2(raw_send(alice, group, "are you there?", &error), qPrintable(error));
    QVERIFY2(raw_send(alice, group, "hello?", &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(unread(*b1, id), std::int64_t{2}, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(unread(*b2, id), std::int64_t{2}, kWaitMs);
    QCOMPARE(b2->unread_total(), std::int64_t{2});

    QSignalSpy total(b2.get(), &Session::unreadTotalChanged);
    b1->mark_read(id);
    QCOMPARE(unread(*b1, id), std::int64_t{0});  // at once
    QTRY_COMPARE_WITH_TIMEOUT(unread(*b2, id), std::int64_t{0}, kWaitMs);
    QCOMPARE(b2->unread_total(), std::int64_t{0});
    QVERIFY(!total.isEmpty());
    QCOMPARE(total.last().at(0).toLongLong(), qlonglong{0});
  }

  void draftSurvivesANewSession() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Drafts", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir profile;
    {
      auto b = signed_in(profile.path(), world.server.url(), "bob", &error, true);
      QVERIFY2(b, qPrintable(error));
      b->set_draft(id, QStringLiteral("half-written thought ✍"));
      QCOMPARE(b->draft(id), QStringLiteral("half-written thought ✍"));
    }
    Session b(profile.path());
    QVERIFY(b.resume_saved());
    QCOMPARE(b.draft(id), QStringLiteral("half-written thought ✍"));
    b.set_draft(id, {});
    QCOMPARE(b.draft(id), QString());
  }

  void resumeSavedOfflineShowsTheCache() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Offline", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    for (const auto* text : {"kept", "in the", "cache"}) {
      QVERIFY2(raw_send(alice, group, text, &error), qPrintable(error));
    }
    const core::ConversationId id(group);
    QTemporaryDir profile;
    {
      auto b = signed_in(profile.path(), world.server.url(), "bob", &error, true);
      QVERIFY2(b, qPrintable(error));
      QCOMPARE(b->messages(id)->rowCount(), 3);
    }
    QVERIFY2(world.server.stop(&error), qPrintable(error));

    Session b(profile.path());
    b.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(b);
    const auto saved = b.saved_login();
    QVERIFY(saved.has_value());
    QCOMPARE(saved->username, QStringLiteral("bob"));
    QCOMPARE(saved->server, world.server.url());
    QVERIFY(b.resume_saved());
    QVERIFY(outcome->signed_in);
    QVERIFY(b.signed_in());
    QCOMPARE(b.me().user.username, std::string("bob"));
    QCOMPARE(b.conversations()->rowCount(), 1);
    QCOMPARE(b.title(id), QStringLiteral("Offline"));
    QCOMPARE(b.conversations()->find(id)->last_text, QStringLiteral("Alice Smith: cache"));
    QCOMPARE(texts(*b.messages(id)), (QStringList{"kept", "in the", "cache"}));
    QCOMPARE(b.display_name(core::UserId(world.alice)), QStringLiteral("Alice Smith"));
    QVERIFY(b.connection_state() != ConnectionState::ready);
    // Offline is not a failure: the connection keeps trying in the background.
    int attempts = 0;
    connect(&b.connection(), &Connection::connectFailed, this, [&] { ++attempts; });
    QTRY_VERIFY_WITH_TIMEOUT(attempts >= 2, kWaitMs);
    QVERIFY(!outcome->problem.has_value());
    QVERIFY(b.signed_in());

    // The server comes back: the session resumes by itself.
    QVERIFY2(world.server.restart(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(outcome->synced, kWaitMs);
    QCOMPARE(b.connection_state(), ConnectionState::ready);
  }

  void revokedSessionSignsOut() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    auto b = signed_in(profile.path(), world.server.url(), "bob", &error, true);
    QVERIFY2(b, qPrintable(error));
    QVERIFY(b->saved_login().has_value());
    QSignalSpy signed_out(b.get(), &Session::signedOut);
    QVERIFY2(world.admin
                 .call("admin.user.reset_password",
                       {{"user_id", world.bob}, {"password", "another-password-1"}}, &error)
                 .has_value(),
             qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(signed_out.count(), 1, kWaitMs);
    QVERIFY(!signed_out.first().at(0).toString().isEmpty());
    QVERIFY(!b->signed_in());
    QVERIFY(!b->saved_login().has_value());
    QCOMPARE(b->conversations()->rowCount(), 0);
  }

  void revokedKeptTokenIsRejected() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    {
      auto b = signed_in(profile.path(), world.server.url(), "bob", &error, true);
      QVERIFY2(b, qPrintable(error));
    }
    // Reset by an administrator while the client was not running.
    QVERIFY2(world.admin
                 .call("admin.user.reset_password",
                       {{"user_id", world.bob}, {"password", "another-password-1"}}, &error)
                 .has_value(),
             qPrintable(error));
    Session b(profile.path());
    b.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(b);
    QSignalSpy signed_out(&b, &Session::signedOut);
    QVERIFY(b.resume_saved());
    QVERIFY(outcome->signed_in);
    QTRY_VERIFY_WITH_TIMEOUT(outcome->problem.has_value(), kWaitMs);
    QCOMPARE(*outcome->problem, SignInProblem::token_rejected);
    QCOMPARE(signed_out.count(), 0);
    QVERIFY(!b.signed_in());
    QVERIFY(!b.saved_login().has_value());
    QCOMPARE(b.connection_state(), ConnectionState::offline);
  }

  void signOutForgetsTheLogin() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    auto b = signed_in(profile.path(), world.server.url(), "bob", &error, true);
    QVERIFY2(b, qPrintable(error));
    QSignalSpy signed_out(b.get(), &Session::signedOut);
    b->sign_out();
    QCOMPARE(signed_out.count(), 1);
    QCOMPARE(signed_out.first().at(0).toString(), QString());
    QVERIFY(!b->signed_in());
    QVERIFY(!b->saved_login().has_value());
    QTRY_COMPARE_WITH_TIMEOUT(b->connection().state(), ConnectionState::offline, kWaitMs);

    // Nothing kept for the next start.
    Session again(profile.path());
    QVERIFY(!again.resume_saved());
  }

  void refusedMessageIsMarkedFailed() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient bob;
    QVERIFY2(bob.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(bob, "Limits", {world.alice}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir profile;
    auto a = signed_in(profile.path(), world.server.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    MessageListModel* model = a->messages(id);

    const QString too_long(20'000, QChar('x'));  // over max_text_bytes (16384)
    const QString refused = a->send_message(id, too_long);
    a->send_message(id, "short one");
    // The refused message does not hold up the next one.
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 2 && shown(*model)[0].seq == 1 &&
                                 shown(*model)[1].state == MessageListModel::SendState::failed,
                             kWaitMs);
    QCOMPARE(shown(*model)[0].text, QStringLiteral("short one"));
    QCOMPARE(shown(*model)[1].client_msg_id, refused);
    QVERIFY(!model->data(model->index(1), MessageListModel::ErrorRole).toString().isEmpty());

    a->retry_message(refused);
    QCOMPARE(shown(*model)[1].state, MessageListModel::SendState::sending);
    QTRY_COMPARE_WITH_TIMEOUT(shown(*model)[1].state, MessageListModel::SendState::failed, kWaitMs);
    const auto messages = history(bob, group, &error);
    QVERIFY2(messages, qPrintable(error));
    QCOMPARE(messages->size(), qsizetype{1});
  }

  void rateLimitedMessagesAreSentLater() {
    // Two requests a second after a burst of 12: the client's own start-up takes most of the
    // burst, so a quick run of messages meets rate_limited, which must delay them, not fail them.
    World world({"--requests-per-second", "2", "--request-burst", "12"});
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient bob;
    QVERIFY2(bob.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(bob, "Slow down", {world.alice}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir profile;
    FrameProxy proxy(world.server.url());
    auto a = signed_in(profile.path(), proxy.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    MessageListModel* model = a->messages(id);

    constexpr int kMessages = 12;
    QStringList sent;
    for (int i = 1; i <= kMessages; ++i) {
      sent << QStringLiteral("message %1").arg(i);
      a->send_message(id, sent.back());
    }
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, kMessages), 4 * kWaitMs);
    QCOMPARE(texts(*model), sent);
    const bool limited = std::any_of(
        proxy.from_server.begin(), proxy.from_server.end(), [](const QJsonObject& frame) {
          return frame.value("code").toString() == QLatin1String("rate_limited");
        });
    QVERIFY(limited);
    const auto messages = history(bob, group, &error);
    QVERIFY2(messages, qPrintable(error));
    QStringList stored;
    for (const auto& value : *messages) stored << value.toObject().value("text").toString();
    QCOMPARE(stored, sent);  // each once, in order
  }

  void discardRemovesOnlyFailedMessages() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient bob;
    QVERIFY2(bob.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(bob, "Discard", {world.alice}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir profile;
    QString waiting;
    {
      auto a = signed_in(profile.path(), world.server.url(), "alice", &error, true);
      QVERIFY2(a, qPrintable(error));
      MessageListModel* model = a->messages(id);
      const QString refused = a->send_message(id, QString(20'000, QChar('x')));
      QTRY_VERIFY_WITH_TIMEOUT(
          model->rowCount() == 1 && shown(*model)[0].state == MessageListModel::SendState::failed,
          kWaitMs);
      a->discard_message(QStringLiteral("no-such-message"));
      QCOMPARE(model->rowCount(), 1);

      // A message that is waiting to be sent stays.
      world.server.kill();
      QTRY_VERIFY_WITH_TIMEOUT(a->connection_state() != ConnectionState::ready, kWaitMs);
      waiting = a->send_message(id, "waiting");
      QCOMPARE(model->rowCount(), 2);
      a->discard_message(waiting);
      QCOMPARE(model->rowCount(), 2);

      QSignalSpy removed(model, &QAbstractItemModel::rowsRemoved);
      a->discard_message(refused);
      QCOMPARE(removed.count(), 1);
      QCOMPARE(model->rowCount(), 1);
      QCOMPARE(shown(*model)[0].client_msg_id, waiting);
      QCOMPARE(shown(*model)[0].state, MessageListModel::SendState::sending);
      a->discard_message(refused);  // gone already
      QCOMPARE(model->rowCount(), 1);
    }

    // For good: the next start shows (and sends) only the waiting message.
    QVERIFY2(world.server.restart(&error), qPrintable(error));
    Session a(profile.path());
    a.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(a);
    QVERIFY(a.resume_saved());
    MessageListModel* model = a.messages(id);
    QCOMPARE(texts(*model), QStringList{"waiting"});
    QTRY_VERIFY_WITH_TIMEOUT(outcome->synced, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(sent_in_order(*model, 1), kWaitMs);
    RawClient checker;
    QVERIFY2(checker.sign_in(world.server.url(), "bob", kPassword, &error), qPrintable(error));
    const auto messages = history(checker, group, &error);
    QVERIFY2(messages, qPrintable(error));
    QCOMPARE(messages->size(), qsizetype{1});
    QCOMPARE(messages->first().toObject().value("client_msg_id").toString(), waiting);
  }

  void limitsComeFromTheServer() {
    World world({"--max-settings-bytes=4096", "--max-ids-per-request=3"});
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    Session session(profile.path());
    const protocol::Limits defaults;
    QCOMPARE(session.limits().max_settings_bytes, defaults.max_settings_bytes);
    QCOMPARE(session.limits().max_ids_per_request, defaults.max_ids_per_request);

    FrameProxy proxy(world.server.url());
    session.set_reconnect_backoff(kFastBackoff);
    auto outcome = watch(session);
    session.sign_in({proxy.url(), "bob", kPassword, false});
    QTRY_VERIFY_WITH_TIMEOUT(outcome->synced, kWaitMs);
    QCOMPARE(session.limits().max_settings_bytes, std::size_t{4096});
    QCOMPARE(session.limits().max_ids_per_request, std::size_t{3});
    QCOMPARE(session.limits().max_text_bytes, defaults.max_text_bytes);

    // user.get follows the server's limit.
    const std::size_t before = proxy.requests_of("user.get").size();
    for (qint64 id = 500; id < 507; ++id) session.fetch_user(core::UserId(id));
    QTRY_COMPARE(proxy.requests_of("user.get").size(), before + 3);
    const auto requests = proxy.requests_of("user.get");
    QCOMPARE(user_ids(requests[before]), (QList<qint64>{500, 501, 502}));
    QCOMPARE(user_ids(requests[before + 1]), (QList<qint64>{503, 504, 505}));
    QCOMPARE(user_ids(requests[before + 2]), QList<qint64>{506});

    // So does set_settings, which refuses a document that is too large before sending it.
    Done saved;
    session.set_settings({{"notes", QString(5'000, QChar('x'))}}, saved.callback());
    QVERIFY(!saved.status);  // never from inside the call
    QTRY_VERIFY(saved.status.has_value());
    QCOMPARE(saved.code(), core::Errc::too_large);
    QVERIFY(!session.settings().contains("notes"));
    QVERIFY(proxy.requests_of("settings.set").empty());

    // The limits of the last connection stay while offline.
    world.server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(session.connection_state() != ConnectionState::ready, kWaitMs);
    QCOMPARE(session.limits().max_settings_bytes, std::size_t{4096});
  }

  void unknownUsersAreFetchedOnce() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile_a;
    QTemporaryDir profile_b;
    auto a = signed_in(profile_a.path(), world.server.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    FrameProxy proxy(world.server.url());
    auto b = signed_in(profile_b.path(), proxy.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));
    const core::UserId alice(world.alice);
    const core::UserId carol(world.carol);

    // Bob has never met alice: she opens a direct conversation, types and writes. The three
    // events reach bob together; what he asks the server is answered only later.
    proxy.hold();
    std::optional<core::Result<core::ConversationId>> opened;
    a->open_direct(core::UserId(world.bob),
                   [&](core::Result<core::ConversationId> result) { opened = result; });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kWaitMs);
    QVERIFY(opened->ok());
    const core::ConversationId id = opened->value();
    a->notify_typing(id);
    a->send_message(id, "hello bob");
    QTRY_VERIFY_WITH_TIMEOUT(proxy.count_from_server("conversation.added") == 1 &&
                                 proxy.count_from_server("typing") == 1 &&
                                 proxy.count_from_server("message.new") == 1,
                             kWaitMs);
    const std::size_t before = proxy.requests_of("user.get").size();
    QSignalSpy changed(b.get(), &Session::userChanged);
    QSignalSpy typing(b.get(), &Session::typingChanged);
    proxy.deliver_held();
    // Typing shown, then ended by her message.
    QTRY_VERIFY_WITH_TIMEOUT(b->conversation(id).has_value() &&
                                 b->conversation(id)->last_message.has_value() &&
                                 typing.count() == 2,
                             kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.requests_of("user.get").size(), before + 1, kWaitMs);
    QCOMPARE(user_ids(proxy.requests_of("user.get")[before]), QList<qint64>{world.alice});
    QCOMPARE(b->title(id), QStringLiteral("User %1").arg(world.alice));
    MessageListModel* model = b->messages(id);
    QCOMPARE(model->data(model->index(0), MessageListModel::SenderNameRole).toString(),
             QStringLiteral("User %1").arg(world.alice));

    // The view asks as well while the request is out: no second request for alice. Carol is
    // new, so she goes out alone.
    QVERIFY(!b->user(alice).has_value());
    QCOMPARE(b->display_name(alice), QStringLiteral("User %1").arg(world.alice));
    b->fetch_user(alice);
    b->fetch_user(carol);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.requests_of("user.get").size(), before + 2, kWaitMs);
    QCOMPARE(user_ids(proxy.requests_of("user.get")[before + 1]), QList<qint64>{world.carol});

    QSignalSpy names(model, &QAbstractItemModel::dataChanged);
    QSignalSpy rows(b->conversations(), &QAbstractItemModel::dataChanged);
    proxy.release();
    QTRY_COMPARE_WITH_TIMEOUT(b->title(id), QStringLiteral("Alice Smith"), kWaitMs);
    QCOMPARE(b->conversations()->find(id)->title, QStringLiteral("Alice Smith"));
    QVERIFY(!rows.isEmpty());
    QCOMPARE(model->data(model->index(0), MessageListModel::SenderNameRole).toString(),
             QStringLiteral("Alice Smith"));
    QVERIFY(!names.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(b->user(carol).has_value(), kWaitMs);
    QCOMPARE(b->user(carol)->user.username, std::string("carol"));
    QSet<qint64> announced;
    for (const auto& args : changed) announced << args.at(0).value<core::UserId>().value();
    QVERIFY(announced.contains(world.alice));
    QVERIFY(announced.contains(world.carol));

    // Known now: lookups send nothing (the next request holds only the new id).
    const std::size_t known = proxy.requests_of("user.get").size();
    QVERIFY(b->user(alice).has_value());
    QCOMPARE(b->display_name(carol), QStringLiteral("Carol"));
    QVERIFY(!b->user(core::UserId(999'999)).has_value());
    QTRY_COMPARE_WITH_TIMEOUT(proxy.requests_of("user.get").size(), known + 1, kWaitMs);
    QCOMPARE(user_ids(proxy.requests_of("user.get")[known]), QList<qint64>{999'999});
  }

  void userLookupsGoAThousandAtATime() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    FrameProxy proxy(world.server.url());
    auto b = signed_in(profile.path(), proxy.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));
    QSignalSpy changed(b.get(), &Session::userChanged);

    const std::size_t before = proxy.requests_of("user.get").size();
    for (qint64 id = 100'000; id < 101'500; ++id) b->fetch_user(core::UserId(id));
    QTRY_COMPARE_WITH_TIMEOUT(proxy.requests_of("user.get").size(), before + 2, kWaitMs);
    const auto requests = proxy.requests_of("user.get");
    const QList<qint64> first = user_ids(requests[before]);
    const QList<qint64> second = user_ids(requests[before + 1]);
    QCOMPARE(first.size(), qsizetype{1000});
    QCOMPARE(second.size(), qsizetype{500});
    QCOMPARE(first.front(), qint64{100'000});
    QCOMPARE(second.back(), qint64{101'499});
    QTRY_VERIFY_WITH_TIMEOUT(
        answered(proxy, requests[before]) && answered(proxy, requests[before + 1]), kWaitMs);

    // No such users: not asked for again by lookups, and no signal. Lookups of one turn of the
    // event loop share a request.
    QVERIFY(!b->user(core::UserId(100'000)).has_value());
    QVERIFY(!b->user(core::UserId(world.carol)).has_value());
    QCOMPARE(b->display_name(core::UserId(101'499)), QStringLiteral("User 101499"));
    QCOMPARE(b->display_name(core::UserId(200'000)), QStringLiteral("User 200000"));
    QTRY_COMPARE_WITH_TIMEOUT(proxy.requests_of("user.get").size(), before + 3, kWaitMs);
    QCOMPARE(user_ids(proxy.requests_of("user.get")[before + 2]),
             (QList<qint64>{world.carol, 200'000}));
    QTRY_VERIFY_WITH_TIMEOUT(b->user(core::UserId(world.carol)).has_value(), kWaitMs);
    QCOMPARE(changed.count(), 1);
  }

  void messageBeforeItsConversationFetchesIt() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile;
    FrameProxy proxy(world.server.url());
    proxy.drop_types = {"conversation.added"};  // as if the message overtook it
    auto b = signed_in(profile.path(), proxy.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    std::vector<core::Message> received;
    connect(b.get(), &Session::messageReceived, this,
            [&](const core::Message& message) { received.push_back(message); });

    proxy.hold();  // both messages reach bob at once
    const qint64 group = create_group(alice, "Overtaken", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    QVERIFY2(raw_send(alice, group, "first", &error), qPrintable(error));
    QVERIFY2(raw_send(alice, group, "second", &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(proxy.count_from_server("message.new"), 2, kWaitMs);
    QCOMPARE(proxy.count_from_server("conversation.added"), 1);
    proxy.release();

    const core::ConversationId id(group);
    QTRY_VERIFY_WITH_TIMEOUT(b->conversation(id).has_value(), kWaitMs);
    QCOMPARE(b->title(id), QStringLiteral("Overtaken"));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), std::size_t{2}, kWaitMs);
    QCOMPARE(received[0].text, std::string("first"));
    QCOMPARE(received[1].text, std::string("second"));
    QCOMPARE(proxy.requests_of("conv.get").size(), std::size_t{1});
    QCOMPARE(unread(*b, id), std::int64_t{2});
    QCOMPARE(b->unread_total(), std::int64_t{2});
    QCOMPARE(texts(*b->messages(id)), (QStringList{"first", "second"}));
    QTRY_COMPARE_WITH_TIMEOUT(b->conversations()->find(id)->last_text,
                              QStringLiteral("Alice Smith: second"), kWaitMs);
  }

  void setSettingsReportsTheOutcome() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir laptop;
    QTemporaryDir desktop;
    auto b1 = signed_in(laptop.path(), world.server.url(), "bob", &error);
    QVERIFY2(b1, qPrintable(error));
    auto b2 = signed_in(desktop.path(), world.server.url(), "bob", &error);
    QVERIFY2(b2, qPrintable(error));
    const auto theme = [](const Session& session) {
      return session.settings().value("theme").toString();
    };

    Done saved;
    b1->set_settings({{"theme", "dark"}}, saved.callback());
    QVERIFY(!saved.status);
    QTRY_VERIFY_WITH_TIMEOUT(saved.status.has_value(), kWaitMs);
    QVERIFY(saved.status->ok());
    QTRY_COMPARE_WITH_TIMEOUT(theme(*b2), QStringLiteral("dark"), kWaitMs);

    // Larger than max_settings_bytes: refused here, and not applied.
    Done large;
    b1->set_settings({{"theme", "light"}, {"notes", QString(20'000, QChar('x'))}},
                     large.callback());
    QTRY_VERIFY(large.status.has_value());
    QCOMPARE(large.code(), core::Errc::too_large);
    QCOMPARE(theme(*b1), QStringLiteral("dark"));

    // Refused by the server (nested deeper than max_json_depth): shown at once, reported, and
    // the stored document comes back.
    QJsonObject deep{{"leaf", 1}};
    for (int level = 0; level < 20; ++level) deep = QJsonObject{{"level", deep}};
    deep.insert("theme", "light");
    Done refused;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("settings.set refused"));
    b1->set_settings(deep, refused.callback());
    QCOMPARE(theme(*b1), QStringLiteral("light"));
    QTRY_VERIFY_WITH_TIMEOUT(refused.status.has_value(), kWaitMs);
    QCOMPARE(refused.code(), core::Errc::too_deep);
    QTRY_COMPARE_WITH_TIMEOUT(theme(*b1), QStringLiteral("dark"), kWaitMs);

    // Offline: kept, reported as not stored yet, and stored by the next sync.
    world.server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(b1->connection_state() != ConnectionState::ready, kWaitMs);
    Done offline;
    b1->set_settings({{"theme", "blue"}}, offline.callback());
    QTRY_VERIFY(offline.status.has_value());
    QCOMPARE(offline.code(), core::Errc::unavailable);
    QCOMPARE(theme(*b1), QStringLiteral("blue"));
    QVERIFY2(world.server.restart(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(theme(*b2), QStringLiteral("blue"), kWaitMs);
    QCOMPARE(theme(*b1), QStringLiteral("blue"));

    // Not signed in.
    b1->sign_out();
    Done signed_out;
    b1->set_settings({{"theme", "red"}}, signed_out.callback());
    QTRY_VERIFY(signed_out.status.has_value());
    QCOMPARE(signed_out.code(), core::Errc::unavailable);
  }

  void olderPagesComeFromTheServer() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Long history", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    for (int i = 1; i <= 120; ++i) {
      QVERIFY2(raw_send(alice, group, QString::number(i), &error), qPrintable(error));
    }
    const core::ConversationId id(group);
    QTemporaryDir profile;
    auto b = signed_in(profile.path(), world.server.url(), "bob", &error, true);
    QVERIFY2(b, qPrintable(error));
    QCOMPARE(b->conversation(id)->unread, std::int64_t{120});
    MessageListModel* model = b->messages(id);
    QCOMPARE(model->rowCount(), 50);  // the newest page
    QCOMPARE(shown(*model).front().seq, qint64{71});
    QVERIFY(model->has_older());

    QSignalSpy loaded(model, &MessageListModel::olderLoaded);
    model->load_older();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kWaitMs);
    QCOMPARE(model->rowCount(), 100);
    QVERIFY(model->has_older());
    model->load_older();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, kWaitMs);
    QVERIFY(sent_in_order(*model, 120));
    QVERIFY(!model->has_older());

    // A new session on the same profile pages through the cache, without the server.
    b.reset();
    QVERIFY2(world.server.stop(&error), qPrintable(error));
    Session offline(profile.path());
    QVERIFY(offline.resume_saved());
    MessageListModel* cached = offline.messages(id);
    QCOMPARE(cached->rowCount(), 50);
    QVERIFY(cached->has_older());
    QSignalSpy cached_loaded(cached, &MessageListModel::olderLoaded);
    while (cached->has_older()) {
      const int before = cached_loaded.count();
      cached->load_older();
      QTRY_COMPARE_WITH_TIMEOUT(cached_loaded.count(), before + 1, kWaitMs);
    }
    QVERIFY(sent_in_order(*cached, 120));
  }

  void typingShowsAndExpires() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Typing", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir profile_a;
    QTemporaryDir profile_b;
    auto a = signed_in(profile_a.path(), world.server.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    auto b = signed_in(profile_b.path(), world.server.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));
    QSignalSpy changed(b.get(), &Session::typingChanged);

    a->notify_typing(id);
    a->notify_typing(id);  // throttled here: one notice
    QTRY_COMPARE_WITH_TIMEOUT(b->typing_users(id),
                              std::vector<core::UserId>{core::UserId(world.alice)}, kWaitMs);
    QCOMPARE(changed.count(), 1);
    QVERIFY(a->typing_users(id).empty());
    // Not repeated: gone after a few seconds.
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 2, kWaitMs);
    QVERIFY(b->typing_users(id).empty());
  }

  void directConversationShowsPresence() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    QTemporaryDir profile_a;
    QTemporaryDir profile_b;
    auto a = signed_in(profile_a.path(), world.server.url(), "alice", &error);
    QVERIFY2(a, qPrintable(error));
    auto b = signed_in(profile_b.path(), world.server.url(), "bob", &error);
    QVERIFY2(b, qPrintable(error));

    std::optional<core::Result<core::ConversationId>> opened;
    a->open_direct(core::UserId(world.bob),
                   [&](core::Result<core::ConversationId> result) { opened = result; });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kWaitMs);
    QVERIFY(opened->ok());
    const core::ConversationId id = opened->value();
    // The title follows as soon as the other person's profile is in.
    QTRY_COMPARE_WITH_TIMEOUT(a->title(id), QStringLiteral("Bob Jones"), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(a->conversations()->find(id)->presence,
                              protocol::PresenceState::online, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(b->title(id), QStringLiteral("Alice Smith"), kWaitMs);

    b->set_away(true);
    QTRY_COMPARE_WITH_TIMEOUT(a->conversations()->find(id)->presence, protocol::PresenceState::away,
                              kWaitMs);
    b.reset();  // bob quits
    QTRY_COMPARE_WITH_TIMEOUT(a->conversations()->find(id)->presence,
                              protocol::PresenceState::offline, kWaitMs);
    QCOMPARE(a->user(core::UserId(world.bob))->presence, protocol::PresenceState::offline);
  }

  void mutedConversationLeavesTheUnreadTotal() {
    World world;
    QString error;
    QVERIFY2(world.start(&error), qPrintable(error));
    RawClient alice;
    QVERIFY2(alice.sign_in(world.server.url(), "alice", kPassword, &error), qPrintable(error));
    const qint64 group = create_group(alice, "Noisy", {world.bob}, &error);
    QVERIFY2(group != 0, qPrintable(error));
    QVERIFY2(raw_send(alice, group, "ping", &error), qPrintable(error));
    const core::ConversationId id(group);
    QTemporaryDir laptop;
    QTemporaryDir desktop;
    auto b1 = signed_in(laptop.path(), world.server.url(), "bob", &error);
    QVERIFY2(b1, qPrintable(error));
    auto b2 = signed_in(desktop.path(), world.server.url(), "bob", &error);
    QVERIFY2(b2, qPrintable(error));
    QCOMPARE(b1->unread_total(), std::int64_t{1});

    b1->set_muted(id, true);
    QVERIFY(b1->is_muted(id));
    QCOMPARE(b1->unread_total(), std::int64_t{0});
    QVERIFY(b1->conversations()->find(id)->muted);
    // The settings document follows the user to the other device.
    QTRY_VERIFY_WITH_TIMEOUT(b2->is_muted(id), kWaitMs);
    QCOMPARE(b2->unread_total(), std::int64_t{0});
  }
};

}  // namespace messenger::client

QTEST_GUILESS_MAIN(messenger::client::SessionTest)
#include "session_test.moc"
