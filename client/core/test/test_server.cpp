#include "test_server.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonValue>
#include <QRegularExpression>
#include <QTimer>

namespace messenger::client::test {
namespace {

constexpr int kStartTimeoutMs = 30'000;
constexpr int kStopTimeoutMs = 10'000;
constexpr int kCallTimeoutMs = 10'000;

}  // namespace

bool wait_until(const std::function<bool()>& done, int timeout_ms) {
  if (done()) return true;
  QEventLoop loop;
  QTimer poll;
  poll.setInterval(2);
  QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
    if (done()) loop.quit();
  });
  poll.start();
  QTimer::singleShot(timeout_ms, &loop, &QEventLoop::quit);
  loop.exec();
  return done();
}

TestServer::TestServer(QStringList extra_args) : extra_args_(std::move(extra_args)) {}

TestServer::~TestServer() {
  if (process_ && process_->state() != QProcess::NotRunning) {
    process_->terminate();
    if (!process_->waitForFinished(kStopTimeoutMs)) {
      process_->kill();
      process_->waitForFinished(kStopTimeoutMs);
    }
  }
}

QString TestServer::data_dir() const {
  return dir_.filePath("data");
}

bool TestServer::start(QString* error) {
  return start_on_port(0, error);
}

bool TestServer::restart(QString* error) {
  if (!url_.isValid() || url_.port() <= 0) {
    *error = "restart() needs a previous start()";
    return false;
  }
  if (process_ && process_->state() != QProcess::NotRunning) {
    *error = "restart() needs the previous run to have ended (kill() or stop())";
    return false;
  }
  return start_on_port(url_.port(), error);
}

bool TestServer::start_on_port(int port, QString* error) {
  if (!dir_.isValid()) {
    *error = "cannot create a temporary directory: " + dir_.errorString();
    return false;
  }
  process_ = std::make_unique<QProcess>();
  process_->setProcessChannelMode(QProcess::SeparateChannels);
  process_->setStandardErrorFile(dir_.filePath("server.err"), QIODevice::Append);
  QStringList args{"--bind",
                   "127.0.0.1",
                   "--port",
                   QString::number(port),
                   "--data-dir",
                   data_dir(),
                   "--admin-user",
                   kAdminUser,
                   "--admin-password",
                   kAdminPassword,
                   "--log-level",
                   "warn",
                   "--password-opslimit",
                   "1",
                   "--password-memlimit",
                   "8192"};
  args += extra_args_;
  process_->start(MESSENGER_SERVER_BINARY, args);
  if (!process_->waitForStarted(kStartTimeoutMs)) {
    *error = "cannot start " + QString(MESSENGER_SERVER_BINARY) + ": " + process_->errorString();
    return false;
  }
  static const QRegularExpression listening(R"(listening on (wss?)://([^ /]+)/ws)");
  QString output;
  const bool found = wait_until(
      [&] {
        output += QString::fromUtf8(process_->readAllStandardOutput());
        return listening.match(output).hasMatch() || process_->state() == QProcess::NotRunning;
      },
      kStartTimeoutMs);
  const auto match = listening.match(output);
  if (!found || !match.hasMatch()) {
    QFile err(dir_.filePath("server.err"));
    err.open(QIODevice::ReadOnly);
    *error = "messenger-server did not report its address; stdout:\n" + output + "\nstderr:\n" +
             QString::fromUtf8(err.readAll());
    return false;
  }
  url_ = QUrl(match.captured(1) + "://" + match.captured(2) + "/ws");
  return true;
}

QString TestServer::generate_certificate(const QString& out_dir, QString* error) {
  QProcess process;
  process.start(MESSENGER_SERVER_BINARY, {"gen-cert", "--out-dir", out_dir});
  if (!process.waitForFinished(kStartTimeoutMs) || process.exitStatus() != QProcess::NormalExit ||
      process.exitCode() != 0) {
    *error = "messenger-server gen-cert failed: " + process.errorString() + "\n" +
             QString::fromUtf8(process.readAllStandardError());
    return {};
  }
  const QString output = QString::fromUtf8(process.readAllStandardOutput());
  static const QRegularExpression fingerprint(R"(SHA-256 fingerprint: ([0-9A-Fa-f:]+))");
  const auto match = fingerprint.match(output);
  if (!match.hasMatch()) {
    *error = "gen-cert printed no fingerprint:\n" + output;
    return {};
  }
  return match.captured(1);
}

bool TestServer::stop(QString* error) {
  if (!process_ || process_->state() == QProcess::NotRunning) {
    return true;
  }
  process_->terminate();
  if (!process_->waitForFinished(kStopTimeoutMs)) {
    process_->kill();
    process_->waitForFinished(kStopTimeoutMs);
    *error = "messenger-server did not stop within 10 s of SIGTERM";
    return false;
  }
  if (process_->exitStatus() != QProcess::NormalExit || process_->exitCode() != 0) {
    *error = QString("messenger-server exited with code %1").arg(process_->exitCode());
    return false;
  }
  return true;
}

void TestServer::kill() {
  if (process_ && process_->state() != QProcess::NotRunning) {
    process_->kill();
    process_->waitForFinished(kStopTimeoutMs);
  }
}

bool RawClient::sign_in(const QUrl& url, const QString& username, const QString& password,
                        QString* error) {
  socket_.open(url);
  if (!wait_until([&] { return socket_.state() == QAbstractSocket::ConnectedState; },
                  kCallTimeoutMs)) {
    *error = "cannot connect to " + url.toString() + ": " + socket_.errorString();
    return false;
  }
  if (!call("hello", {{"version", 1}, {"client", "client-test"}}, error)) {
    return false;
  }
  return call("auth.login", {{"username", username}, {"password", password}, {"device", "test"}},
              error)
      .has_value();
}

std::optional<QJsonObject> RawClient::call(const QString& type, QJsonObject fields,
                                           QString* error) {
  const int id = next_id_++;
  fields["type"] = type;
  fields["id"] = id;
  std::optional<QJsonObject> reply;
  auto connection =
      QObject::connect(&socket_, &QWebSocket::textMessageReceived, [&](const QString& text) {
        auto frame = QJsonDocument::fromJson(text.toUtf8()).object();
        if (frame.value("id").toInt(-1) == id) {
          reply = frame;
        }
      });
  socket_.sendTextMessage(QString::fromUtf8(QJsonDocument(fields).toJson(QJsonDocument::Compact)));
  wait_until([&] { return reply.has_value(); }, kCallTimeoutMs);
  QObject::disconnect(connection);
  if (!reply) {
    *error = type + ": no reply within 10 s";
    return std::nullopt;
  }
  if (reply->value("type").toString() != "result") {
    *error =
        type + ": " + reply->value("code").toString() + ": " + reply->value("message").toString();
    return std::nullopt;
  }
  return reply->value("result").toObject();
}

qint64 RawClient::create_user(const QString& username, const QString& password,
                              const QString& display_name, QString* error,
                              const QString& department, const QString& title) {
  auto result = call("admin.user.create",
                     {{"username", username},
                      {"password", password},
                      {"display_name", display_name},
                      {"department", department},
                      {"title", title},
                      {"email", username + "@example.test"}},
                     error);
  if (!result) {
    return 0;
  }
  return result->value("user").toObject().value("id").toInteger();
}

FrameProxy::FrameProxy(QUrl upstream) : upstream_(std::move(upstream)) {
  server_.listen(QHostAddress::LocalHost, 0);
  QObject::connect(&server_, &QWebSocketServer::newConnection, &context_, [this] {
    while (QWebSocket* client = server_.nextPendingConnection()) on_client(client);
  });
}

FrameProxy::~FrameProxy() {
  for (auto& link : links_) {
    QObject::disconnect(link->upstream.get(), nullptr, &context_, nullptr);
    if (link->client) QObject::disconnect(link->client, nullptr, &context_, nullptr);
  }
}

QUrl FrameProxy::url() const {
  return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(server_.serverPort()));
}

void FrameProxy::on_client(QWebSocket* client) {
  client->setParent(&context_);
  auto owned = std::make_unique<Link>();
  Link* link = owned.get();
  links_.push_back(std::move(owned));
  link->client = client;
  link->upstream = std::make_unique<QWebSocket>();
  QWebSocket* upstream = link->upstream.get();

  QObject::connect(client, &QWebSocket::textMessageReceived, &context_,
                   [this, link, upstream](const QString& text) {
                     requests.push_back(QJsonDocument::fromJson(text.toUtf8()).object());
                     if (upstream->state() == QAbstractSocket::ConnectedState) {
                       upstream->sendTextMessage(text);
                     } else {
                       link->waiting.push_back(text);
                     }
                   });
  QObject::connect(upstream, &QWebSocket::connected, &context_, [link, upstream] {
    for (const QString& text : link->waiting) upstream->sendTextMessage(text);
    link->waiting.clear();
  });
  QObject::connect(upstream, &QWebSocket::textMessageReceived, &context_,
                   [this, link](const QString& text) {
                     const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
                     from_server.push_back(frame);
                     if (drop_types.contains(frame.value("type").toString())) return;
                     if (holding_) {
                       held_.push_back({link->client, text});
                     } else if (link->client) {
                       link->client->sendTextMessage(text);
                     }
                   });
  // Either side going away takes the other with it, as a real network path would.
  QObject::connect(client, &QWebSocket::disconnected, &context_, [upstream] { upstream->abort(); });
  QObject::connect(upstream, &QWebSocket::disconnected, &context_, [link] {
    if (link->client) link->client->abort();
  });
  upstream->open(upstream_);
}

void FrameProxy::hold() {
  holding_ = true;
}

void FrameProxy::release() {
  holding_ = false;
  deliver_held();
}

void FrameProxy::deliver_held() {
  auto held = std::move(held_);
  held_.clear();
  for (const Held& frame : held) {
    if (frame.client) frame.client->sendTextMessage(frame.text);
  }
}

std::vector<QJsonObject> FrameProxy::requests_of(const QString& type) const {
  std::vector<QJsonObject> result;
  for (const auto& request : requests) {
    if (request.value("type").toString() == type) result.push_back(request);
  }
  return result;
}

int FrameProxy::count_from_server(const QString& type) const {
  int count = 0;
  for (const auto& frame : from_server) count += frame.value("type").toString() == type ? 1 : 0;
  return count;
}

}  // namespace messenger::client::test
