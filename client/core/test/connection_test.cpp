#include "messenger/client/connection.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "test_server.h"

using namespace std::chrono_literals;

namespace messenger::client {
namespace {

using test::RawClient;
using test::TestServer;
using Reply = core::Result<protocol::ServerFrame>;

constexpr int kWaitMs = 15'000;
const Backoff kFastBackoff{20ms, 200ms};

/// What one request's handler received, and how often it was called.
struct ReplySlot {
  std::optional<Reply> reply;
  int calls = 0;
};

std::shared_ptr<ReplySlot> send(Connection& connection, protocol::RequestBody body,
                                std::chrono::milliseconds timeout = 15s) {
  auto slot = std::make_shared<ReplySlot>();
  connection.request(
      std::move(body),
      [slot](Reply reply) {
        ++slot->calls;
        slot->reply.emplace(std::move(reply));
      },
      timeout);
  return slot;
}

/// Sends a request and waits for its reply; nothing if none came within kWaitMs.
std::optional<Reply> call(Connection& connection, protocol::RequestBody body) {
  auto slot = send(connection, std::move(body));
  if (!QTest::qWaitFor([&] { return slot->reply.has_value(); }, kWaitMs)) {
    return std::nullopt;
  }
  return std::move(slot->reply);
}

bool wait_ready(const Connection& connection) {
  return QTest::qWaitFor([&] { return connection.state() == ConnectionState::ready; }, kWaitMs);
}

/// Logs the connection in; the session token, or an empty string.
std::string login(Connection& connection, const QString& username, const QString& password) {
  auto reply = call(connection, protocol::Login{username.toStdString(), password.toStdString(),
                                                "connection-test"});
  if (!reply || !reply->ok()) {
    return {};
  }
  auto result = reply->value().result_as<protocol::LoginResult>();
  return result.ok() ? result->token : std::string();
}

/// A TCP port on 127.0.0.1 that nothing listens on (free a moment ago).
QUrl unused_url() {
  QTcpServer probe;
  probe.listen(QHostAddress::LocalHost, 0);
  return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(probe.serverPort()));
}

QString text_of(const std::optional<Reply>& reply) {
  if (!reply) {
    return QStringLiteral("no reply");
  }
  return reply->ok() ? QStringLiteral("ok")
                     : QString::fromStdString(std::string(core::to_string(reply->error().code)) +
                                              ": " + reply->error().message);
}

QString to_text(const QJsonObject& frame) {
  return QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
}

/// The reply to hello `id` of a server with the default limits.
QJsonObject hello_result(const QJsonValue& id) {
  const QJsonObject limits{{"max_frame_bytes", 65536},       {"max_json_depth", 16},
                           {"max_text_bytes", 16384},        {"max_settings_bytes", 16384},
                           {"max_name_chars", 100},          {"max_topic_chars", 500},
                           {"max_profile_field_chars", 200}, {"max_client_msg_id_chars", 64},
                           {"max_request_id_chars", 64},     {"max_password_bytes", 1024},
                           {"min_password_chars", 8},        {"max_ids_per_request", 1000},
                           {"history_page_max", 200}};
  return {{"type", "result"},
          {"id", id},
          {"result", QJsonObject{{"version", 1}, {"server", "fake/1"}, {"limits", limits}}}};
}

/// A scripted WebSocket server for what the real one does not do on demand: stay silent, refuse
/// the protocol version, send unknown events or stray replies. It answers hello and records
/// every frame; other requests get no answer unless the test sends one.
class FakeServer {
 public:
  FakeServer() {
    server_.listen(QHostAddress::LocalHost, 0);
    QObject::connect(&server_, &QWebSocketServer::newConnection, &context_, [this] {
      while (QWebSocket* socket = server_.nextPendingConnection()) {
        socket->setParent(&context_);
        client_ = socket;
        ++connections;
        QObject::connect(socket, &QWebSocket::textMessageReceived, &context_,
                         [this, socket](const QString& text) { on_text(socket, text); });
      }
    });
  }

  [[nodiscard]] QUrl url() const {
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(server_.serverPort()));
  }
  void send(const QJsonObject& frame) { send_text(to_text(frame)); }
  void send_text(const QString& text) {
    if (client_) {
      client_->sendTextMessage(text);
    }
  }

  QString hello_error;                // when set, hello gets an error with this code
  std::vector<QJsonObject> requests;  // every frame received, in order
  int connections = 0;

 private:
  void on_text(QWebSocket* socket, const QString& text) {
    const QJsonObject request = QJsonDocument::fromJson(text.toUtf8()).object();
    requests.push_back(request);
    if (request.value("type").toString() != QLatin1String("hello")) {
      return;
    }
    if (!hello_error.isEmpty()) {
      socket->sendTextMessage(to_text({{"type", "error"},
                                       {"id", request.value("id")},
                                       {"code", hello_error},
                                       {"message", "this server speaks protocol version 2"}}));
      return;
    }
    socket->sendTextMessage(to_text(hello_result(request.value("id"))));
  }

  QObject context_;
  QWebSocketServer server_{QStringLiteral("fake"), QWebSocketServer::NonSecureMode};
  QPointer<QWebSocket> client_;
};

/// A WebSocket server written by hand on a QTcpServer, for what QWebSocketServer never does:
/// leave pings unanswered. It completes the HTTP upgrade, answers hello, counts the pings it
/// gets and otherwise stays silent, like a server behind a network path that died without a
/// reset. Client frames are expected unfragmented, as QWebSocket sends small ones.
class SilentServer {
 public:
  SilentServer() {
    server_.listen(QHostAddress::LocalHost, 0);
    QObject::connect(&server_, &QTcpServer::newConnection, &context_, [this] {
      while (QTcpSocket* socket = server_.nextPendingConnection()) {
        socket->setParent(&context_);
        ++connections;
        auto peer = std::make_shared<Peer>();
        QObject::connect(socket, &QTcpSocket::readyRead, &context_, [this, socket, peer] {
          peer->buffer += socket->readAll();
          on_data(*socket, *peer);
        });
      }
    });
  }

  [[nodiscard]] QUrl url() const {
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(server_.serverPort()));
  }

  int connections = 0;
  int pings = 0;

 private:
  struct Peer {
    QByteArray buffer;
    bool upgraded = false;
  };

  void on_data(QTcpSocket& socket, Peer& peer) {
    if (!peer.upgraded) {
      const qsizetype end = peer.buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        return;
      }
      static const QRegularExpression key_header(R"(sec-websocket-key:\s*(\S+))",
                                                 QRegularExpression::CaseInsensitiveOption);
      const QString key = key_header.match(QString::fromLatin1(peer.buffer.left(end))).captured(1);
      const QByteArray accept =
          QCryptographicHash::hash(key.toLatin1() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
                                   QCryptographicHash::Sha1)
              .toBase64();
      socket.write(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
          accept + "\r\n\r\n");
      peer.buffer.remove(0, end + 4);
      peer.upgraded = true;
    }
    while (auto frame = take_frame(peer.buffer)) {
      const auto [opcode, payload] = *frame;
      if (opcode == 0x9) {
        ++pings;  // and no pong
      } else if (opcode == 0x1) {
        const QJsonObject request = QJsonDocument::fromJson(payload).object();
        if (request.value("type").toString() == QLatin1String("hello")) {
          send_text(socket, to_text(hello_result(request.value("id"))).toUtf8());
        }
      }
    }
  }

  /// The opcode and unmasked payload of the first complete frame in `buffer`, removed from it.
  static std::optional<std::pair<int, QByteArray>> take_frame(QByteArray& buffer) {
    if (buffer.size() < 2) {
      return std::nullopt;
    }
    const auto byte = [&buffer](qsizetype i) { return static_cast<quint8>(buffer.at(i)); };
    const int opcode = byte(0) & 0x0F;
    const bool masked = (byte(1) & 0x80) != 0;
    qsizetype length = byte(1) & 0x7F;
    qsizetype at = 2;
    if (length == 126 || length == 127) {
      const qsizetype bytes = length == 126 ? 2 : 8;
      if (buffer.size() < at + bytes) {
        return std::nullopt;
      }
      length = 0;
      for (qsizetype i = 0; i < bytes; ++i) {
        length = (length << 8) | byte(at + i);
      }
      at += bytes;
    }
    const qsizetype mask_at = at;
    at += masked ? 4 : 0;
    if (buffer.size() < at + length) {
      return std::nullopt;
    }
    QByteArray payload = buffer.mid(at, length);
    if (masked) {
      for (qsizetype i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<char>(static_cast<quint8>(payload.at(i)) ^ byte(mask_at + i % 4));
      }
    }
    buffer.remove(0, at + length);
    return std::pair{opcode, payload};
  }

  static void send_text(QTcpSocket& socket, const QByteArray& payload) {
    QByteArray frame(1, static_cast<char>(0x81));  // FIN, text; a server does not mask
    if (payload.size() < 126) {
      frame += static_cast<char>(payload.size());
    } else {
      frame += static_cast<char>(126);
      frame += static_cast<char>((payload.size() >> 8) & 0xFF);
      frame += static_cast<char>(payload.size() & 0xFF);
    }
    socket.write(frame + payload);
  }

  QObject context_;
  QTcpServer server_;
};

}  // namespace

class ConnectionTest : public QObject {
  Q_OBJECT

 private slots:
  void helloThenReady() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    Connection connection;
    std::vector<ConnectionState> states;
    connect(&connection, &Connection::stateChanged, this,
            [&](ConnectionState state) { states.push_back(state); });
    QSignalSpy ready(&connection, &Connection::ready);

    connection.open(server.url(), {}, kFastBackoff);
    QCOMPARE(connection.state(), ConnectionState::connecting);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kWaitMs);
    QCOMPARE(connection.state(), ConnectionState::ready);
    QCOMPARE(states, (std::vector{ConnectionState::connecting, ConnectionState::ready}));
    QCOMPARE(connection.url(), server.url());
    QCOMPARE(connection.server_hello().version, protocol::kProtocolVersion);
    QVERIFY(QString::fromStdString(connection.server_hello().server)
                .startsWith(QLatin1String("messenger-server/")));
    QCOMPARE(connection.server_hello().limits.max_frame_bytes, std::size_t{64 * 1024});
  }

  void requestIdsAreIncreasingIntegers() {
    FakeServer fake;
    Connection connection;
    connection.open(fake.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));
    send(connection, protocol::GetMe{});
    send(connection, protocol::ListConversations{});
    QTRY_COMPARE(fake.requests.size(), std::size_t{3});

    const QJsonObject& hello = fake.requests[0];
    QCOMPARE(hello.value("type").toString(), QStringLiteral("hello"));
    QCOMPARE(hello.value("version").toInt(), protocol::kProtocolVersion);
    QVERIFY(hello.value("client").toString().startsWith(QLatin1String("messenger-desktop/")));
    QCOMPARE(fake.requests[1].value("type").toString(), QStringLiteral("user.me"));
    QCOMPARE(fake.requests[2].value("type").toString(), QStringLiteral("conv.list"));
    for (std::size_t i = 0; i < fake.requests.size(); ++i) {
      QVERIFY(fake.requests[i].value("id").isDouble());
      QCOMPARE(fake.requests[i].value("id").toInteger(), static_cast<qint64>(i + 1));
    }
  }

  void requestRoundTrip() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    RawClient admin;
    QVERIFY2(
        admin.sign_in(server.url(), TestServer::kAdminUser, TestServer::kAdminPassword, &error),
        qPrintable(error));
    QVERIFY2(admin.create_user("alice", "alice-password", "Alice Smith", &error) > 0,
             qPrintable(error));
    Connection connection;
    connection.open(server.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));

    auto login_reply = call(connection, protocol::Login{"alice", "alice-password", "laptop"});
    QVERIFY2(login_reply && login_reply->ok(), qPrintable(text_of(login_reply)));
    auto login_result = login_reply->value().result_as<protocol::LoginResult>();
    QVERIFY(login_result.ok());
    QVERIFY(!login_result->token.empty());
    QCOMPARE(login_result->user.user.username, std::string("alice"));

    auto me_reply = call(connection, protocol::GetMe{});
    QVERIFY2(me_reply && me_reply->ok(), qPrintable(text_of(me_reply)));
    auto me = me_reply->value().result_as<protocol::UserResult>();
    QVERIFY(me.ok());
    QCOMPARE(me->user.user.profile.display_name, std::string("Alice Smith"));
    QCOMPARE(me->user.presence, protocol::PresenceState::online);
  }

  void errorReplyBecomesError() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    Connection connection;
    connection.open(server.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));

    auto reply = call(connection, protocol::Login{TestServer::kAdminUser, "wrong-password", ""});
    QVERIFY(reply.has_value());
    QVERIFY(!reply->ok());
    QCOMPARE(reply->error().code, core::Errc::invalid_credentials);
    QVERIFY(!reply->error().message.empty());
    // The connection stays usable after an error reply.
    auto me = call(connection, protocol::GetMe{});
    QVERIFY(me.has_value() && !me->ok());
    QCOMPARE(me->error().code, core::Errc::not_authenticated);
  }

  void requestBeforeReadyFailsAsynchronously() {
    Connection connection;
    auto never_opened = send(connection, protocol::GetMe{});
    QCOMPARE(never_opened->calls, 0);  // not from inside request()
    QTRY_COMPARE(never_opened->calls, 1);
    QVERIFY(!never_opened->reply->ok());
    QCOMPARE(never_opened->reply->error().code, core::Errc::unavailable);
    QCOMPARE(never_opened->reply->error().message, std::string("not connected to the server"));

    connection.open(unused_url(), {}, kFastBackoff);
    QCOMPARE(connection.state(), ConnectionState::connecting);
    auto while_connecting = send(connection, protocol::GetMe{});
    QCOMPARE(while_connecting->calls, 0);
    QTRY_COMPARE(while_connecting->calls, 1);
    QCOMPARE(while_connecting->reply->error().code, core::Errc::unavailable);
  }

  void pendingRequestsFailWhenTheServerDiesThenItReconnects() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    Connection connection;
    QSignalSpy ready(&connection, &Connection::ready);
    connection.open(server.url(), {}, kFastBackoff);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kWaitMs);

    // Written to the socket only when the event loop runs, after the server is gone.
    auto first = send(connection, protocol::GetMe{});
    auto second = send(connection, protocol::ListConversations{});
    server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(first->reply.has_value() && second->reply.has_value(), kWaitMs);
    for (const auto& slot : {first, second}) {
      QCOMPARE(slot->calls, 1);
      QVERIFY(!slot->reply->ok());
      QCOMPARE(slot->reply->error().code, core::Errc::unavailable);
      QCOMPARE(slot->reply->error().message, std::string("connection lost"));
    }
    QVERIFY(connection.state() != ConnectionState::ready);

    QVERIFY2(server.restart(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 2, kWaitMs);
    auto me = call(connection, protocol::GetMe{});
    QVERIFY(me.has_value() && !me->ok());
    QCOMPARE(me->error().code, core::Errc::not_authenticated);  // a reply from the new server
    QCOMPARE(first->calls, 1);
  }

  void refusedAttemptsAreReportedAndRetried() {
    Connection connection;
    QSignalSpy failed(&connection, &Connection::connectFailed);
    QSignalSpy ready(&connection, &Connection::ready);
    connection.open(unused_url(), {}, kFastBackoff);
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 3, kWaitMs);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(QLatin1String("refused")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("127.0.0.1:")), qPrintable(message));
    QCOMPARE(ready.count(), 0);
  }

  void dropAndReconnectNow() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    Connection connection;
    QSignalSpy ready(&connection, &Connection::ready);
    QSignalSpy failed(&connection, &Connection::connectFailed);
    QSignalSpy closed(&connection, &Connection::closed);
    // A backoff far longer than the test: only reconnect_now() can bring it back in time.
    connection.open(server.url(), {}, Backoff{std::chrono::minutes(10), std::chrono::minutes(10)});
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kWaitMs);
    auto pending = send(connection, protocol::GetMe{});

    connection.drop();
    QCOMPARE(connection.state(), ConnectionState::offline);
    QCOMPARE(pending->calls, 1);
    QCOMPARE(pending->reply->error().code, core::Errc::unavailable);
    QCOMPARE(failed.count(), 0);  // it was ready: a drop is not a failed attempt
    QCOMPARE(closed.count(), 0);  // and the server sent no close frame

    connection.reconnect_now();
    QCOMPARE(connection.state(), ConnectionState::connecting);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 2, kWaitMs);
  }

  void closeStopsReconnecting() {
    const QUrl nowhere = unused_url();
    Connection connection;
    Connection sentinel;  // the same schedule, to know that several retry periods went by
    QSignalSpy failed(&connection, &Connection::connectFailed);
    QSignalSpy sentinel_failed(&sentinel, &Connection::connectFailed);
    connection.open(nowhere, {}, kFastBackoff);
    sentinel.open(nowhere, {}, kFastBackoff);
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 2, kWaitMs);

    connection.close();
    QCOMPARE(connection.state(), ConnectionState::offline);
    QSignalSpy states(&connection, &Connection::stateChanged);
    const auto attempts = failed.count();
    connection.reconnect_now();  // no effect once closed
    const auto sentinel_attempts = sentinel_failed.count();
    QTRY_VERIFY_WITH_TIMEOUT(sentinel_failed.count() >= sentinel_attempts + 3, kWaitMs);
    QCOMPARE(failed.count(), attempts);
    QCOMPARE(states.count(), 0);
    QCOMPARE(connection.state(), ConnectionState::offline);
  }

  void closeFailsPendingRequests() {
    FakeServer fake;
    Connection connection;
    connection.open(fake.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));
    auto pending = send(connection, protocol::GetMe{});
    connection.close();
    QCOMPARE(pending->calls, 1);
    QCOMPARE(pending->reply->error().code, core::Errc::unavailable);
    QCOMPARE(connection.state(), ConnectionState::offline);
  }

  void eventsArrive() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    RawClient admin;
    QVERIFY2(
        admin.sign_in(server.url(), TestServer::kAdminUser, TestServer::kAdminPassword, &error),
        qPrintable(error));
    QVERIFY2(admin.create_user("alice", "alice-password", "Alice", &error) > 0, qPrintable(error));
    const qint64 bob_id = admin.create_user("bob", "bob-password", "Bob", &error);
    QVERIFY2(bob_id > 0, qPrintable(error));

    Connection alice;
    Connection bob;
    alice.open(server.url(), {}, kFastBackoff);
    bob.open(server.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(alice));
    QVERIFY(wait_ready(bob));
    QVERIFY(!login(alice, "alice", "alice-password").empty());
    QVERIFY(!login(bob, "bob", "bob-password").empty());
    std::vector<protocol::ServerEvent> bob_events;
    connect(&bob, &Connection::eventReceived, this,
            [&](const protocol::ServerEvent& event) { bob_events.push_back(event); });

    auto opened = call(alice, protocol::OpenDirect{core::UserId(bob_id)});
    QVERIFY2(opened && opened->ok(), qPrintable(text_of(opened)));
    auto conversation = opened->value().result_as<protocol::ConversationResult>();
    QVERIFY(conversation.ok());
    const core::ConversationId conversation_id = conversation->conversation.conversation.id;
    auto sent = call(alice, protocol::SendMessage{conversation_id, "m-1", "hello bob"});
    QVERIFY2(sent && sent->ok(), qPrintable(text_of(sent)));

    const auto got_message = [&] {
      for (const auto& event : bob_events) {
        const auto* message = std::get_if<protocol::MessageNewEvent>(&event);
        if (message != nullptr && message->message.text == "hello bob" &&
            message->message.conversation_id == conversation_id) {
          return true;
        }
      }
      return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(got_message(), kWaitMs);
  }

  void unknownEventsAndStrayRepliesAreIgnored() {
    FakeServer fake;
    Connection connection;
    std::vector<protocol::ServerEvent> events;
    connect(&connection, &Connection::eventReceived, this,
            [&](const protocol::ServerEvent& event) { events.push_back(event); });
    connection.open(fake.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));

    QTest::ignoreMessage(QtDebugMsg, QRegularExpression("ignoring event .*reaction.added"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("reply without a request id.*not-ours"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("reply without a request id.*null"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("unreadable frame"));
    fake.send({{"type", "reaction.added"}, {"conversation_id", 7}, {"emoji", "tada"}});
    fake.send({{"type", "result"}, {"id", 999}, {"result", QJsonObject{}}});
    fake.send({{"type", "result"}, {"id", "not-ours"}, {"result", QJsonObject{}}});
    fake.send({{"type", "error"}, {"id", QJsonValue()}, {"code", "bad_request"}, {"message", "?"}});
    fake.send_text(QStringLiteral("this is not JSON"));
    fake.send({{"type", "typing"}, {"conversation_id", 7}, {"user_id", 2}});
    QTRY_COMPARE(events.size(), std::size_t{1});
    const auto* typing = std::get_if<protocol::TypingEvent>(&events[0]);
    QVERIFY(typing != nullptr);
    QCOMPARE(typing->conversation_id, core::ConversationId(7));
    QCOMPARE(typing->user_id, core::UserId(2));
    QCOMPARE(connection.state(), ConnectionState::ready);
  }

  void requestTimesOut() {
    FakeServer fake;  // answers nothing but hello unless told to
    Connection connection;
    connection.open(fake.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));

    auto quick = send(connection, protocol::GetMe{}, 1ms);
    auto patient = send(connection, protocol::ListConversations{}, 30s);
    QTRY_COMPARE(quick->calls, 1);
    QVERIFY(!quick->reply->ok());
    QCOMPARE(quick->reply->error().code, core::Errc::unavailable);
    QVERIFY2(QString::fromStdString(quick->reply->error().message).contains("timed out"),
             quick->reply->error().message.c_str());
    QCOMPARE(patient->calls, 0);

    QTRY_COMPARE(fake.requests.size(), std::size_t{3});
    const QJsonValue quick_id = fake.requests[1].value("id");
    const QJsonValue patient_id = fake.requests[2].value("id");
    // The late reply to the timed-out request is dropped; the other one still arrives.
    fake.send({{"type", "result"}, {"id", quick_id}, {"result", QJsonObject{}}});
    fake.send({{"type", "result"},
               {"id", patient_id},
               {"result", QJsonObject{{"conversations", QJsonArray{}}}}});
    QTRY_COMPARE(patient->calls, 1);
    QVERIFY(patient->reply->ok());
    QVERIFY(patient->reply->value().result_as<protocol::ConversationListResult>().ok());
    QCOMPARE(quick->calls, 1);
    QCOMPARE(connection.state(), ConnectionState::ready);
  }

  void heartbeatDropsASilentConnection() {
    SilentServer silent;
    Connection connection;
    constexpr auto kInterval = 100ms;
    connection.set_heartbeat(kInterval);
    QSignalSpy ready(&connection, &Connection::ready);
    QSignalSpy failed(&connection, &Connection::connectFailed);
    connection.open(silent.url(), {}, kFastBackoff);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kWaitMs);
    QElapsedTimer since_ready;
    since_ready.start();
    auto pending = send(connection, protocol::GetMe{}, 60s);  // never answered

    QTRY_VERIFY_WITH_TIMEOUT(connection.state() != ConnectionState::ready, kWaitMs);
    const qint64 waited = since_ready.elapsed();
    // Not before 2 intervals without a frame (the hello reply was the last one), and long
    // before any request timeout.
    QVERIFY2(waited >= 2 * kInterval.count() - 10, qPrintable(QString::number(waited)));
    QVERIFY2(waited < 5'000, qPrintable(QString::number(waited)));
    QTRY_VERIFY(silent.pings >= 1);
    QCOMPARE(pending->calls, 1);
    QCOMPARE(pending->reply->error().code, core::Errc::unavailable);
    QCOMPARE(pending->reply->error().message, std::string("connection lost"));
    QCOMPARE(failed.count(), 0);  // it was ready: a drop, not a failed attempt

    // It comes back by itself (and, the server being silent still, goes again).
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() >= 2, kWaitMs);
    QVERIFY(silent.connections >= 2);
  }

  void heartbeatKeepsAnAnsweringConnection() {
    FakeServer fake;  // QWebSocketServer answers pings by itself
    Connection connection;
    connection.set_heartbeat(30ms);
    connection.open(fake.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));
    QSignalSpy states(&connection, &Connection::stateChanged);
    // Nothing but pongs for 20 intervals: 10 times the silence that would drop it.
    QTest::qWait(600);
    QCOMPARE(states.count(), 0);
    QCOMPARE(connection.state(), ConnectionState::ready);
    QCOMPARE(fake.connections, 1);
  }

  void heartbeatOff() {
    SilentServer silent;
    Connection connection;
    connection.set_heartbeat(30ms);
    connection.open(silent.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(connection));
    connection.set_heartbeat(0ms);  // on a ready connection, at once
    QSignalSpy states(&connection, &Connection::stateChanged);
    QTest::qWait(300);
    QCOMPARE(states.count(), 0);
    QCOMPARE(silent.pings, 0);
    QCOMPARE(silent.connections, 1);
  }

  void unsupportedVersionIsFatal() {
    FakeServer fake;
    fake.hello_error = QStringLiteral("unsupported_version");
    Connection connection;
    std::optional<core::Error> fatal;
    connect(&connection, &Connection::fatalError, this,
            [&](const core::Error& error) { fatal = error; });
    QSignalSpy ready(&connection, &Connection::ready);
    connection.open(fake.url(), {}, kFastBackoff);
    QTRY_VERIFY(fatal.has_value());
    QCOMPARE(fatal->code, core::Errc::unsupported_version);
    QCOMPARE(connection.state(), ConnectionState::offline);
    connection.reconnect_now();  // stopped for good until open()
    QCOMPARE(connection.state(), ConnectionState::offline);
    QCOMPARE(fake.connections, 1);
    QCOMPARE(ready.count(), 0);
  }

  void serverCloseCodesAreReported() {
    TestServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    RawClient admin;
    QVERIFY2(
        admin.sign_in(server.url(), TestServer::kAdminUser, TestServer::kAdminPassword, &error),
        qPrintable(error));
    QVERIFY2(admin.create_user("alice", "alice-password", "Alice", &error) > 0, qPrintable(error));

    Connection laptop;
    Connection phone;
    QSignalSpy phone_closed(&phone, &Connection::closed);
    QSignalSpy phone_ready(&phone, &Connection::ready);
    laptop.open(server.url(), {}, kFastBackoff);
    phone.open(server.url(), {}, kFastBackoff);
    QVERIFY(wait_ready(laptop));
    QVERIFY(wait_ready(phone));
    const std::string token = login(laptop, "alice", "alice-password");
    QVERIFY(!token.empty());
    auto resumed = call(phone, protocol::Resume{token});
    QVERIFY2(resumed && resumed->ok(), qPrintable(text_of(resumed)));

    // Logging out on the laptop revokes the token the phone resumed: 4001.
    auto logout = call(laptop, protocol::Logout{});
    QVERIFY2(logout && logout->ok(), qPrintable(text_of(logout)));
    QTRY_COMPARE_WITH_TIMEOUT(phone_closed.count(), 1, kWaitMs);
    QCOMPARE(phone_closed.at(0).at(0).toInt(), 4001);
    // The Connection keeps reconnecting; whether to sign in again is the session's decision.
    QTRY_COMPARE_WITH_TIMEOUT(phone_ready.count(), 2, kWaitMs);

    QSignalSpy laptop_closed(&laptop, &Connection::closed);
    QVERIFY2(server.stop(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(laptop_closed.count(), 1, kWaitMs);
    QCOMPARE(laptop_closed.at(0).at(0).toInt(), 1001);
  }

  void certificatePinning() {
    QTemporaryDir certs;
    QVERIFY(certs.isValid());
    QString error;
    const QString fingerprint = TestServer::generate_certificate(certs.path(), &error);
    QVERIFY2(!fingerprint.isEmpty(), qPrintable(error));
    TestServer server(
        {"--tls-cert", certs.filePath("cert.pem"), "--tls-key", certs.filePath("key.pem")});
    QVERIFY2(server.start(&error), qPrintable(error));
    QCOMPARE(server.url().scheme(), QStringLiteral("wss"));

    {  // No pin: the user is shown the fingerprint to compare with what gen-cert printed.
      Connection connection;
      QSignalSpy rejected(&connection, &Connection::certificateRejected);
      QSignalSpy failed(&connection, &Connection::connectFailed);
      connection.open(server.url(), {}, kFastBackoff);
      QTRY_COMPARE_WITH_TIMEOUT(rejected.count(), 1, kWaitMs);
      QCOMPARE(rejected.at(0).at(0).toString(), fingerprint);
      QCOMPARE(rejected.at(0).at(1).toBool(), false);
      QCOMPARE(connection.state(), ConnectionState::offline);
      QCOMPARE(failed.count(), 0);
      connection.reconnect_now();  // stopped until open() with a pin
      QCOMPARE(connection.state(), ConnectionState::offline);
    }
    {  // The right pin, as printed or typed in lower case.
      for (const QString& pin : {fingerprint, fingerprint.toLower()}) {
        Connection connection;
        connection.open(server.url(), pin, kFastBackoff);
        QVERIFY(wait_ready(connection));
        auto me = call(connection, protocol::GetMe{});
        QVERIFY(me.has_value() && !me->ok());
        QCOMPARE(me->error().code, core::Errc::not_authenticated);
      }
    }
    {  // A wrong pin: rejected as a mismatch, which the UI words as a warning.
      QString wrong = fingerprint;
      wrong.replace(0, 2, fingerprint.startsWith(QLatin1String("00")) ? "11" : "00");
      Connection connection;
      QSignalSpy rejected(&connection, &Connection::certificateRejected);
      QSignalSpy ready(&connection, &Connection::ready);
      connection.open(server.url(), wrong, kFastBackoff);
      QTRY_COMPARE_WITH_TIMEOUT(rejected.count(), 1, kWaitMs);
      QCOMPARE(rejected.at(0).at(0).toString(), fingerprint);
      QCOMPARE(rejected.at(0).at(1).toBool(), true);
      QCOMPARE(ready.count(), 0);
    }
  }
};

}  // namespace messenger::client

QTEST_GUILESS_MAIN(messenger::client::ConnectionTest)
#include "connection_test.moc"
