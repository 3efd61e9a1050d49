#include "messenger/client/connection.h"

#include <QCryptographicHash>
#include <QDebug>
#include <QElapsedTimer>
#include <QPointer>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>
#include <QWebSocket>
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "messenger/protocol/codec.h"
#include "pending_requests.h"

#ifndef MESSENGER_CLIENT_VERSION
#define MESSENGER_CLIENT_VERSION "0.0.0"
#endif

namespace messenger::client {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kHelloTimeout{10'000};
constexpr const char* kClientName = "messenger-desktop/" MESSENGER_CLIENT_VERSION;

core::Error unavailable(std::string message) {
  return core::Error{core::Errc::unavailable, std::move(message)};
}

/// SHA-256 of the DER certificate as upper-case hex pairs joined by ':', the format that
/// `messenger-server gen-cert` prints (server/cert.cpp, hex_fingerprint).
QString fingerprint_of(const QSslCertificate& certificate) {
  return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

/// Compares fingerprints the way a person would: case, separators and spaces do not matter.
bool same_fingerprint(const QString& a, const QString& b) {
  const auto hex_only = [](const QString& text) {
    static const QString kHexDigits = QStringLiteral("0123456789ABCDEF");
    QString out;
    for (const QChar c : text) {
      if (kHexDigits.contains(c.toUpper())) {
        out += c.toUpper();
      }
    }
    return out;
  };
  const QString left = hex_only(a);
  return !left.isEmpty() && left == hex_only(b);
}

std::optional<std::int64_t> integer_id(const std::string& json) {
  std::int64_t value = 0;
  const auto* end = json.data() + json.size();
  const auto [ptr, ec] = std::from_chars(json.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

QString host_and_port(const QUrl& url) {
  const int default_port = url.scheme() == QLatin1String("wss") ? 443 : 80;
  return url.host() + QLatin1Char(':') + QString::number(url.port(default_port));
}

/// A message for people about an attempt that failed before the WebSocket was open.
QString describe_failure(QAbstractSocket::SocketError error, const QString& detail,
                         const QUrl& url) {
  const QString where = host_and_port(url);
  switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
      // QWebSocket also reports a failed HTTP upgrade (e.g. a wrong path) as "refused".
      if (detail.contains(QLatin1String("refused"), Qt::CaseInsensitive)) {
        return QStringLiteral(
                   "Cannot connect to %1: the connection was refused. Is the server "
                   "running, and is the port right?")
            .arg(where);
      }
      return QStringLiteral("Cannot connect to %1: the server refused the WebSocket (%2).")
          .arg(where, detail);
    case QAbstractSocket::HostNotFoundError:
      return QStringLiteral(
                 "Cannot connect: the host '%1' was not found. Check the server "
                 "address.")
          .arg(url.host());
    case QAbstractSocket::NetworkError:
    case QAbstractSocket::SocketTimeoutError:
    case QAbstractSocket::TemporaryError:
      return QStringLiteral("Cannot reach %1: %2. Check the network connection.")
          .arg(where, detail);
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
      return QStringLiteral("The secure connection to %1 failed: %2.").arg(where, detail);
    case QAbstractSocket::RemoteHostClosedError:
      return QStringLiteral("%1 closed the connection before it was ready.").arg(where);
    default:
      return QStringLiteral("Cannot connect to %1: %2.").arg(where, detail);
  }
}

}  // namespace

struct Connection::Impl {
  explicit Impl(Connection* owner) : q(owner), pending([this] { expire_deadlines(); }) {
    retry_timer.setSingleShot(true);
    QObject::connect(&retry_timer, &QTimer::timeout, q, [this] {
      if (active && socket == nullptr) {
        start_attempt();
      }
    });
    heartbeat_timer.setSingleShot(true);
    QObject::connect(&heartbeat_timer, &QTimer::timeout, q, [this] { on_heartbeat(); });
    last_frame.start();
    last_ping.start();
  }

  ~Impl() {
    // Pending handlers are dropped, not called: they usually capture the object that owns this
    // Connection, which is being destroyed too.
    if (socket != nullptr) {
      QObject::disconnect(socket, nullptr, q, nullptr);
      if (socket_open) {
        socket->close(QWebSocketProtocol::CloseCodeGoingAway);
      } else {
        socket->abort();
      }
      // The socket is a child of q and is deleted with it.
    }
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  [[nodiscard]] bool current(std::uint64_t a) const { return socket != nullptr && a == attempt; }

  void set_state(ConnectionState s) {
    if (state != s) {
      state = s;
      emit q->stateChanged(s);
    }
  }

  void start_attempt() {
    retry_timer.stop();
    const std::uint64_t a = ++attempt;
    socket_open = false;
    close_frame = false;
    failure.clear();
    rejected = false;
    rejected_fingerprint.clear();
    fatal.reset();

    socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, q);
    QObject::connect(socket, &QWebSocket::connected, q, [this, a] { on_connected(a); });
    QObject::connect(socket, &QWebSocket::textMessageReceived, q,
                     [this, a](const QString& text) { on_text(a, text); });
    // Any frame shows that the connection is alive (text frames restart the clock in on_text).
    QObject::connect(socket, &QWebSocket::pong, q, [this, a] {
      if (current(a)) {
        last_frame.restart();
      }
    });
    QObject::connect(socket, &QWebSocket::binaryMessageReceived, q, [this, a] {
      if (current(a)) {
        last_frame.restart();
      }
    });
    QObject::connect(socket, &QWebSocket::aboutToClose, q, [this, a] {
      // Qt emits this when it answers the server's close frame; an abrupt drop does not.
      if (current(a) && socket_open) {
        close_frame = true;
      }
    });
    // Queued: Qt emits disconnected before error (so the reason would not be known yet), and
    // open() may report a bad URL synchronously.
    QObject::connect(socket, &QWebSocket::disconnected, q, [this, a] { finish_later(a); });
    QObject::connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), q,
                     [this, a](QAbstractSocket::SocketError error) { on_error(a, error); });
    QObject::connect(socket, &QWebSocket::sslErrors, q,
                     [this, a](const QList<QSslError>& errors) { on_ssl_errors(a, errors); });

    QWebSocket* opening = socket;
    set_state(ConnectionState::connecting);
    if (current(a) && socket == opening) {
      socket->open(url);
    }
  }

  void on_connected(std::uint64_t a) {
    if (!current(a)) {
      return;
    }
    socket_open = true;
    send(
        protocol::Hello{protocol::kProtocolVersion, kClientName},
        [this, a](core::Result<protocol::ServerFrame> reply) { on_hello(a, std::move(reply)); },
        kHelloTimeout);
  }

  void on_hello(std::uint64_t a, core::Result<protocol::ServerFrame> reply) {
    if (!current(a)) {
      return;  // the socket is gone; finish() already dealt with it
    }
    if (!reply.ok()) {
      if (reply.error().code == core::Errc::unsupported_version) {
        fatal = reply.error();
      } else {
        failure = QStringLiteral("%1 did not accept the connection: %2")
                      .arg(host_and_port(url), QString::fromStdString(reply.error().message));
      }
      finish(a);
      return;
    }
    auto result = reply->result_as<protocol::HelloResult>();
    if (!result.ok()) {
      failure = QStringLiteral("%1 sent an invalid hello reply: %2")
                    .arg(host_and_port(url), QString::fromStdString(result.error().message));
      finish(a);
      return;
    }
    server_hello = std::move(result.value());
    next_delay = backoff.initial;
    last_ping.start();  // the hello reply was the last frame: the first ping is due in one interval
    schedule_heartbeat();
    QPointer<Connection> self(q);
    set_state(ConnectionState::ready);
    if (self && current(a) && state == ConnectionState::ready) {
      emit q->ready();
    }
  }

  void on_text(std::uint64_t a, const QString& text) {
    if (!current(a)) {
      return;
    }
    last_frame.restart();
    auto frame = protocol::ServerFrame::parse(text.toStdString());
    if (!frame.ok()) {
      qWarning() << "messenger: ignoring an unreadable frame from the server:"
                 << QString::fromStdString(frame.error().message);
      return;
    }
    if (frame->kind() == protocol::ServerFrame::Kind::event) {
      auto event = frame->event();
      if (!event.ok()) {
        // Newer servers may add events; an older client skips them.
        qDebug() << "messenger: ignoring event" << QString::fromStdString(frame->type()) << ":"
                 << QString::fromStdString(event.error().message);
        return;
      }
      emit q->eventReceived(event.value());
      return;
    }
    const auto id = integer_id(frame->id());
    if (!id) {
      qWarning() << "messenger: reply without a request id of ours:"
                 << QString::fromStdString(frame->id())
                 << QString::fromStdString(frame->kind() == protocol::ServerFrame::Kind::error
                                               ? frame->error().message
                                               : std::string());
      return;
    }
    const auto handler = pending.take(*id);
    if (!handler) {
      return;  // answered after its timeout; the handler was already called
    }
    if (frame->kind() == protocol::ServerFrame::Kind::result) {
      handler(std::move(frame.value()));
    } else {
      handler(frame->error());
    }
  }

  void on_error(std::uint64_t a, QAbstractSocket::SocketError error) {
    if (!current(a)) {
      return;
    }
    if (failure.isEmpty()) {
      failure = describe_failure(error, socket->errorString(), url);
    }
    // An error after the WebSocket opened is followed by disconnected when it ends the
    // connection; before, some (a failed HTTP upgrade) are not.
    if (!socket_open || socket->state() == QAbstractSocket::UnconnectedState) {
      finish_later(a);
    }
  }

  void on_ssl_errors(std::uint64_t a, const QList<QSslError>& errors) {
    if (!current(a)) {
      return;
    }
    QSslCertificate certificate = socket->sslConfiguration().peerCertificate();
    for (auto it = errors.begin(); certificate.isNull() && it != errors.end(); ++it) {
      certificate = it->certificate();
    }
    if (certificate.isNull()) {
      return;  // nothing to pin; the handshake fails and is retried like any failure
    }
    const QString fingerprint = fingerprint_of(certificate);
    if (same_fingerprint(fingerprint, pin)) {
      socket->ignoreSslErrors();
      return;
    }
    // Not ignoring the errors makes QSslSocket fail the handshake; finish() reports it.
    rejected = true;
    rejected_fingerprint = fingerprint;
  }

  void finish_later(std::uint64_t a) {
    QMetaObject::invokeMethod(
        q, [this, a] { finish(a); }, Qt::QueuedConnection);
  }

  /// Ends attempt `a` (once): drops the socket, fails pending requests, reports why and
  /// schedules the next attempt unless reconnecting has stopped.
  void finish(std::uint64_t a) {
    if (!current(a)) {
      return;
    }
    const bool was_ready = state == ConnectionState::ready;
    const bool server_closed = close_frame;
    const int close_code = socket->closeCode();
    const QString close_reason = socket->closeReason();
    const QString why = failure.isEmpty()
                            ? QStringLiteral("%1 closed the connection.").arg(host_and_port(url))
                            : failure;
    // Copied: a slot below may start a new attempt, which resets them.
    const bool was_rejected = rejected;
    const QString fingerprint = rejected_fingerprint;
    const bool pin_mismatch = !pin.isEmpty();
    const std::optional<core::Error> fatal_error = fatal;
    drop_socket(/*graceful=*/false);
    if (was_rejected || fatal_error) {
      active = false;
      retry_timer.stop();
    }

    QPointer<Connection> self(q);
    const std::uint64_t epoch_before = epoch;
    fail_pending("connection lost");
    if (!self) {
      return;
    }
    set_state(ConnectionState::offline);
    if (!self) {
      return;
    }
    if (was_rejected) {
      emit q->certificateRejected(fingerprint, pin_mismatch);
    } else if (fatal_error) {
      emit q->fatalError(*fatal_error);
    } else {
      if (server_closed) {
        emit q->closed(close_code, close_reason);
      }
      if (self && !was_ready) {
        emit q->connectFailed(
            server_closed ? QStringLiteral("%1 closed the connection before it was ready (%2 %3).")
                                .arg(host_and_port(url), QString::number(close_code), close_reason)
                          : why);
      }
    }
    // A slot may have called open(), close() or reconnect_now() meanwhile.
    if (self && active && epoch == epoch_before && socket == nullptr && !retry_timer.isActive()) {
      schedule_retry();
    }
  }

  void drop_socket(bool graceful) {
    if (socket == nullptr) {
      return;
    }
    QWebSocket* old = socket;
    socket = nullptr;
    heartbeat_timer.stop();
    QObject::disconnect(old, nullptr, q, nullptr);
    if (graceful && socket_open) {
      old->close(QWebSocketProtocol::CloseCodeNormal);
    } else {
      old->abort();
    }
    // Possibly inside one of its own signals: delete it from the event loop.
    old->deleteLater();
    socket_open = false;
  }

  /// Arms the heartbeat timer for the next ping or the silence deadline, whichever comes first.
  void schedule_heartbeat() {
    if (heartbeat <= milliseconds(0) || socket == nullptr || !socket_open) {
      heartbeat_timer.stop();
      return;
    }
    const milliseconds to_ping = heartbeat - milliseconds(last_ping.elapsed());
    const milliseconds to_deadline = 2 * heartbeat - milliseconds(last_frame.elapsed());
    heartbeat_timer.start(std::max(milliseconds(1), std::min(to_ping, to_deadline)));
  }

  void on_heartbeat() {
    if (socket == nullptr || !socket_open || state != ConnectionState::ready) {
      return;
    }
    // Measured here rather than trusted to the timer, which may fire a little early.
    const milliseconds silent(last_frame.elapsed());
    if (silent >= 2 * heartbeat) {
      qInfo() << "messenger: nothing from" << host_and_port(url) << "for" << silent.count()
              << "ms; dropping the connection";
      failure = QStringLiteral("%1 stopped answering.").arg(host_and_port(url));
      q->drop();
      return;
    }
    if (milliseconds(last_ping.elapsed()) >= heartbeat) {
      socket->ping();
      last_ping.restart();
    }
    schedule_heartbeat();
  }

  void schedule_retry() {
    const milliseconds delay = std::max(next_delay, milliseconds(0));
    // Up to 20% shorter, so that clients dropped together do not all return together.
    std::uniform_int_distribution<std::int64_t> jitter(0, delay.count() / 5);
    retry_timer.start(delay - milliseconds(jitter(*QRandomGenerator::global())));
    next_delay = std::min(std::max(next_delay * 2, milliseconds(1)), backoff.maximum);
  }

  /// Every pending handler gets unavailable(message), in request order. Safe against handlers
  /// that send new requests or close the connection.
  void fail_pending(const std::string& message) {
    QPointer<Connection> self(q);
    for (const auto& handler : pending.take_all()) {
      handler(unavailable(message));
      if (!self) {
        return;
      }
    }
  }

  void send(protocol::RequestBody body, ReplyHandler handler, milliseconds timeout) {
    const std::int64_t id = next_id++;
    const std::string text =
        protocol::encode_request(protocol::Request{std::to_string(id), std::move(body)});
    if (state == ConnectionState::ready && text.size() > server_hello.limits.max_frame_bytes) {
      // The server would close the whole connection with 1009; fail only this request.
      post(std::move(handler),
           core::Error{core::Errc::too_large,
                       "the request has " + std::to_string(text.size()) +
                           " bytes; the server accepts at most " +
                           std::to_string(server_hello.limits.max_frame_bytes)});
      return;
    }
    pending.add(id, std::move(handler), timeout);
    socket->sendTextMessage(QString::fromStdString(text));
  }

  /// Calls `handler` from the event loop, never inside the caller's stack.
  void post(ReplyHandler handler, core::Error error) {
    QTimer::singleShot(
        0, q, [handler = std::move(handler), error = std::move(error)] { handler(error); });
  }

  void expire_deadlines() {
    QPointer<Connection> self(q);
    for (const auto& entry : pending.take_expired()) {
      entry.handler(unavailable("request timed out: no reply from the server within " +
                                std::to_string(entry.timeout.count()) + " ms"));
      if (!self) {
        return;
      }
    }
  }

  Connection* q;
  QUrl url;
  QString pin;
  Backoff backoff;
  milliseconds next_delay{};
  bool active = false;      // between open() and close(), unless stopped for good
  std::uint64_t epoch = 0;  // bumped by open() and close()
  ConnectionState state = ConnectionState::offline;
  protocol::HelloResult server_hello;

  // The current attempt. The socket is null while waiting to reconnect or closed; callbacks
  // carry the attempt number they were made for and are ignored once it is over.
  QWebSocket* socket = nullptr;  // a child of q, deleted with deleteLater()
  std::uint64_t attempt = 0;
  bool socket_open = false;  // the WebSocket handshake completed
  bool close_frame = false;  // the server closed with a close frame
  QString failure;           // why the attempt failed, for connectFailed()
  bool rejected = false;     // the certificate was rejected
  QString rejected_fingerprint;
  std::optional<core::Error> fatal;  // hello refused for good

  QTimer retry_timer;
  milliseconds heartbeat = Connection::kDefaultHeartbeat;  // <= 0: off
  QTimer heartbeat_timer;    // the next ping or the silence deadline, while ready
  QElapsedTimer last_frame;  // since the last frame of any kind (or pong) from the server
  QElapsedTimer last_ping;
  std::int64_t next_id = 1;
  detail::PendingRequests pending;
};

Connection::Connection(QObject* parent) : QObject(parent), impl_(std::make_unique<Impl>(this)) {}

Connection::~Connection() = default;

void Connection::open(const QUrl& url, const QString& pinned_sha256, Backoff backoff) {
  close();
  impl_->url = url;
  impl_->pin = pinned_sha256.trimmed();
  impl_->backoff = backoff;
  impl_->next_delay = backoff.initial;
  impl_->active = true;
  ++impl_->epoch;
  impl_->start_attempt();
}

void Connection::close() {
  Impl& d = *impl_;
  d.active = false;
  ++d.epoch;
  d.retry_timer.stop();
  d.drop_socket(/*graceful=*/true);
  QPointer<Connection> self(this);
  d.fail_pending("connection closed");
  if (self) {
    d.set_state(ConnectionState::offline);
  }
}

ConnectionState Connection::state() const {
  return impl_->state;
}

const QUrl& Connection::url() const {
  return impl_->url;
}

const protocol::HelloResult& Connection::server_hello() const {
  return impl_->server_hello;
}

void Connection::request(protocol::RequestBody body, ReplyHandler handler,
                         std::chrono::milliseconds timeout) {
  if (impl_->state != ConnectionState::ready || impl_->socket == nullptr) {
    impl_->post(std::move(handler), unavailable("not connected to the server"));
    return;
  }
  impl_->send(std::move(body), std::move(handler), timeout);
}

void Connection::drop() {
  Impl& d = *impl_;
  if (d.socket == nullptr) {
    return;
  }
  if (d.failure.isEmpty()) {
    d.failure = QStringLiteral("The connection to %1 was dropped.").arg(host_and_port(d.url));
  }
  d.finish(d.attempt);
}

void Connection::set_heartbeat(std::chrono::milliseconds interval) {
  impl_->heartbeat = interval;
  if (impl_->state == ConnectionState::ready) {
    impl_->schedule_heartbeat();
  }
}

void Connection::reconnect_now() {
  Impl& d = *impl_;
  if (d.active && d.socket == nullptr) {
    d.start_attempt();
  }
}

}  // namespace messenger::client
