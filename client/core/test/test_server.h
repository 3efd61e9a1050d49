#pragma once

#include <QJsonObject>
#include <QPointer>
#include <QProcess>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketServer>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace messenger::client::test {

/// Runs the event loop (events are handled as they come; done() is checked every 2 ms) until
/// done() or the timeout; returns done().
bool wait_until(const std::function<bool()>& done, int timeout_ms);

/// The real messenger-server for a client test: 127.0.0.1, port 0, a temporary data directory,
/// cheapest password hashing, a known administrator. Stopped (SIGTERM, then SIGKILL after 10 s)
/// when destroyed. Failures are returned as text for QVERIFY2, never thrown.
class TestServer {
 public:
  static constexpr const char* kAdminUser = "admin";
  static constexpr const char* kAdminPassword = "admin-password-for-tests";

  explicit TestServer(QStringList extra_args = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// Starts the server (on the same data directory as before, if it ran already) and waits
  /// up to 30 s for its "listening on" line. The port is new on every start.
  bool start(QString* error);
  /// Starts the server again on the port of the previous run (which must have ended: kill() or
  /// stop()), as a real server comes back after a crash, so that a client reconnecting to the
  /// same url() finds it.
  bool restart(QString* error);
  /// SIGTERM and wait for a clean exit.
  bool stop(QString* error);
  /// SIGKILL, as a crash would.
  void kill();

  [[nodiscard]] QUrl url() const { return url_; }
  [[nodiscard]] QString data_dir() const;

  /// Runs `messenger-server gen-cert --out-dir out_dir` (cert.pem, key.pem) and returns the
  /// SHA-256 fingerprint it printed, or an empty string with `error` set.
  static QString generate_certificate(const QString& out_dir, QString* error);

 private:
  bool start_on_port(int port, QString* error);

  QStringList extra_args_;
  QTemporaryDir dir_;
  std::unique_ptr<QProcess> process_;
  QUrl url_;
};

/// A bare protocol client for setting up test data (accounts, conversations, messages from other
/// people) independently of the client code under test. Each call blocks in a local event loop
/// for at most 10 s.
class RawClient {
 public:
  RawClient() = default;
  /// Connects, says hello and logs in.
  bool sign_in(const QUrl& url, const QString& username, const QString& password, QString* error);
  /// Sends {"type": type, "id": ..., fields...} and returns the "result" object, or nothing
  /// with `error` set to the server's code and message.
  std::optional<QJsonObject> call(const QString& type, QJsonObject fields, QString* error);
  /// admin.user.create with a password; returns the new user's id or 0.
  qint64 create_user(const QString& username, const QString& password, const QString& display_name,
                     QString* error, const QString& department = {}, const QString& title = {});

 private:
  QWebSocket socket_;
  int next_id_ = 1;
};

/// A WebSocket proxy between the client under test and the real server (127.0.0.1, port 0), for
/// what the server does not do on demand: events lost or out of order, replies late. Records
/// every text frame both ways; frames from the server can be dropped by type or held back.
/// Each client connection gets its own connection to `upstream`; frames a client sends before
/// that one is open wait for it.
class FrameProxy {
 public:
  explicit FrameProxy(QUrl upstream);
  ~FrameProxy();
  FrameProxy(const FrameProxy&) = delete;
  FrameProxy& operator=(const FrameProxy&) = delete;

  [[nodiscard]] QUrl url() const;

  /// Frames from the server with one of these "type"s are not delivered (still recorded).
  QSet<QString> drop_types;
  /// While holding, frames from the server are kept (in order) instead of delivered.
  void hold();
  /// Delivers the frames kept so far and stops holding.
  void release();
  /// Delivers the frames kept so far and holds on.
  void deliver_held();
  [[nodiscard]] int held_count() const { return static_cast<int>(held_.size()); }

  /// Every frame from a client, in order.
  std::vector<QJsonObject> requests;
  /// Every frame from the server (delivered, held or dropped), in order.
  std::vector<QJsonObject> from_server;
  /// The client frames of one type, in order.
  [[nodiscard]] std::vector<QJsonObject> requests_of(const QString& type) const;
  /// How many server frames of this type were seen.
  [[nodiscard]] int count_from_server(const QString& type) const;

 private:
  struct Link {
    QPointer<QWebSocket> client;
    std::unique_ptr<QWebSocket> upstream;
    std::vector<QString> waiting;  // from the client, before upstream is open
  };
  struct Held {
    QPointer<QWebSocket> client;
    QString text;
  };

  void on_client(QWebSocket* client);

  QUrl upstream_;
  QObject context_;
  QWebSocketServer server_{QStringLiteral("proxy"), QWebSocketServer::NonSecureMode};
  std::vector<std::unique_ptr<Link>> links_;
  bool holding_ = false;
  std::vector<Held> held_;
};

}  // namespace messenger::client::test
