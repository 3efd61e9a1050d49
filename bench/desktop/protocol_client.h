#pragma once

#include <QJsonObject>
#include <QString>
#include <QUrl>
#include <QWebSocket>
#include <cstdint>
#include <functional>
#include <optional>

namespace messenger::bench::desktop {

/// A bare protocol v1 client for seeding a server fast: single calls that wait for their reply,
/// and a pipelined msg.send stream that keeps up to `window` messages unacknowledged (the server
/// answers in order per connection, so the stream is limited by the server, not by round trips).
/// Events (message.new from the other seeders) are read and dropped. Blocking calls run a local
/// event loop; several clients' streams progress together in any event loop.
class ProtocolClient {
 public:
  ProtocolClient();
  ~ProtocolClient();
  ProtocolClient(const ProtocolClient&) = delete;
  ProtocolClient& operator=(const ProtocolClient&) = delete;

  /// Connects, says hello and logs in (each step within 10 s).
  bool sign_in(const QUrl& url, const QString& username, const QString& password, QString* error);
  /// {"type": type, "id": ..., fields...}: the "result" object, or nothing with `error` set.
  std::optional<QJsonObject> call(const QString& type, QJsonObject fields, QString* error);

  /// Starts sending `count` messages to `conversation`; text_of(i) is the i-th text (0-based),
  /// client_msg_id is `id_prefix` + i. Progress with sent_done() / failure().
  void start_stream(std::int64_t conversation, int count, int window, QString id_prefix,
                    std::function<QString(int)> text_of);
  [[nodiscard]] bool stream_done() const { return stream_.acked == stream_.count; }
  [[nodiscard]] int stream_acked() const { return stream_.acked; }
  /// The first error reply or socket error of the stream (empty while none).
  [[nodiscard]] const QString& failure() const { return failure_; }

 private:
  void on_text(const QString& text);
  void send_next();

  struct Stream {
    std::int64_t conversation = 0;
    int count = 0;
    int window = 1;
    int sent = 0;
    int acked = 0;
    QString id_prefix;
    std::function<QString(int)> text_of;
  };

  QWebSocket socket_;
  int next_id_ = 1;
  QString waiting_id_;
  std::optional<QJsonObject> reply_;
  Stream stream_;
  QString failure_;
};

}  // namespace messenger::bench::desktop
