#include "protocol_client.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QTimer>

#include "test_server.h"

namespace messenger::bench::desktop {
namespace {

using client::test::wait_until;

constexpr int kCallTimeoutMs = 10'000;
constexpr QLatin1Char kStreamIdPrefix{'s'};

QString error_text(const QJsonObject& frame) {
  return frame.value("code").toString() + ": " + frame.value("message").toString();
}

}  // namespace

ProtocolClient::ProtocolClient() {
  QObject::connect(&socket_, &QWebSocket::textMessageReceived,
                   [this](const QString& text) { on_text(text); });
  QObject::connect(&socket_, &QWebSocket::disconnected, [this] {
    if (failure_.isEmpty()) failure_ = "disconnected: " + socket_.errorString();
  });
}

ProtocolClient::~ProtocolClient() {
  // ~QWebSocket emits disconnected(), and its handler writes failure_, which (declared after
  // socket_) is already destroyed by then.
  QObject::disconnect(&socket_, nullptr, nullptr, nullptr);
}

bool ProtocolClient::sign_in(const QUrl& url, const QString& username, const QString& password,
                             QString* error) {
  socket_.open(url);
  if (!wait_until([this] { return socket_.state() == QAbstractSocket::ConnectedState; },
                  kCallTimeoutMs)) {
    *error = "cannot connect to " + url.toString() + ": " + socket_.errorString();
    return false;
  }
  if (!call("hello", {{"version", 1}, {"client", "messenger-desktop-bench"}}, error)) return false;
  return call("auth.login",
              {{"username", username}, {"password", password}, {"device", "desktop-bench"}}, error)
      .has_value();
}

std::optional<QJsonObject> ProtocolClient::call(const QString& type, QJsonObject fields,
                                                QString* error) {
  waiting_id_ = QString("c%1").arg(next_id_++);
  reply_.reset();
  fields["type"] = type;
  fields["id"] = waiting_id_;
  socket_.sendTextMessage(QString::fromUtf8(QJsonDocument(fields).toJson(QJsonDocument::Compact)));
  QEventLoop loop;
  QTimer::singleShot(kCallTimeoutMs, &loop, &QEventLoop::quit);
  const auto quit = QObject::connect(&socket_, &QWebSocket::textMessageReceived, &loop, [&] {
    if (reply_) loop.quit();
  });
  const auto gone = QObject::connect(&socket_, &QWebSocket::disconnected, &loop, &QEventLoop::quit);
  if (!reply_) loop.exec();
  QObject::disconnect(quit);
  QObject::disconnect(gone);
  waiting_id_.clear();
  if (!reply_) {
    *error = type + ": no reply within 10 s (" + socket_.errorString() + ")";
    return std::nullopt;
  }
  if (reply_->value("type").toString() != "result") {
    *error = type + ": " + error_text(*reply_);
    return std::nullopt;
  }
  return reply_->value("result").toObject();
}

void ProtocolClient::start_stream(std::int64_t conversation, int count, int window,
                                  QString id_prefix, std::function<QString(int)> text_of) {
  stream_ = Stream{conversation,      count, std::max(1, window), 0, 0, std::move(id_prefix),
                   std::move(text_of)};
  while (stream_.sent < stream_.count && stream_.sent - stream_.acked < stream_.window) {
    send_next();
  }
}

void ProtocolClient::send_next() {
  const int i = stream_.sent++;
  const QJsonObject frame{{"type", "msg.send"},
                          {"id", QString(kStreamIdPrefix) + QString::number(i)},
                          {"conversation_id", static_cast<qint64>(stream_.conversation)},
                          {"client_msg_id", stream_.id_prefix + QString::number(i)},
                          {"text", stream_.text_of(i)}};
  socket_.sendTextMessage(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void ProtocolClient::on_text(const QString& text) {
  const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
  const QString id = frame.value("id").toString();
  if (id.isEmpty()) return;  // an event
  if (!waiting_id_.isEmpty() && id == waiting_id_) {
    reply_ = frame;
    return;
  }
  if (!id.startsWith(kStreamIdPrefix)) return;
  if (frame.value("type").toString() != "result") {
    if (failure_.isEmpty()) failure_ = "msg.send " + id + ": " + error_text(frame);
    return;
  }
  ++stream_.acked;
  if (stream_.sent < stream_.count) send_next();
}

}  // namespace messenger::bench::desktop
