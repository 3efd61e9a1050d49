#pragma once

#include <QObject>
#include <QString>
#include <QUrl>
#include <chrono>
#include <functional>
#include <memory>

#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"
#include "messenger/protocol/server_frame.h"

namespace messenger::client {

/// Where a Connection stands. `offline`: no socket (closed, stopped, or waiting to reconnect);
/// `connecting`: a socket is opening (TCP, TLS, WebSocket upgrade) or its hello is in flight;
/// `ready`: the WebSocket is open and `hello` was accepted.
enum class ConnectionState { offline, connecting, ready };

/// How long to wait before reconnecting: `initial`, doubled after each failed attempt up to
/// `maximum`, each wait up to 20% shorter at random so that many clients do not return at once.
/// Back to `initial` after every accepted hello.
struct Backoff {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds maximum{30'000};
};

/// One WebSocket to the server (protocol v1, docs/protocol.md): the hello handshake, request /
/// reply matching by id, events, reconnecting with backoff, the certificate pin for wss://, and
/// a heartbeat that notices a half-dead connection (see set_heartbeat()). Knows nothing about
/// accounts: the Session authenticates on ready().
///
/// Lives in one thread with an event loop. Signals and reply handlers run from that event loop,
/// never inside a call to request(); slots and handlers may call any method (request, close,
/// open, ...), but must not delete the Connection directly (use deleteLater()). Destroying it
/// closes the socket and drops pending handlers without calling them.
class Connection : public QObject {
  Q_OBJECT

 public:
  /// Called exactly once per request (unless the Connection is destroyed first): with the
  /// result frame, with the server's error, or with Errc::unavailable when the connection is not
  /// ready ("not connected to the server"), drops before the reply ("connection lost"), is
  /// closed ("connection closed") or the timeout passes ("request timed out: ..."). A request
  /// larger than the server's max_frame_bytes fails with Errc::too_large without being sent.
  using ReplyHandler = std::function<void(core::Result<protocol::ServerFrame>)>;

  explicit Connection(QObject* parent = nullptr);
  ~Connection() override;

  /// Connects to `url` (ws:// or wss://) and keeps reconnecting with `backoff` until close().
  /// Closes the current connection first, if any. `pinned_sha256`: the SHA-256 fingerprint (hex
  /// pairs with colons, as gen-cert prints it; case and separators are ignored) of a
  /// certificate the user trusted; a wss:// server whose certificate the system does not trust
  /// is accepted only when its fingerprint equals the pin.
  void open(const QUrl& url, const QString& pinned_sha256 = {}, Backoff backoff = {});
  /// Closes the socket (with a close frame when open) and stops reconnecting; pending requests
  /// fail with unavailable before it returns. No closed() signal: that is for the server's
  /// close.
  void close();

  [[nodiscard]] ConnectionState state() const;
  [[nodiscard]] const QUrl& url() const;
  /// The hello result of the current connection while ready; after it, that of the last
  /// connection that was ready; before any, the defaults (protocol::Limits{}).
  [[nodiscard]] const protocol::HelloResult& server_hello() const;

  /// Sends a request with the next integer id. While not ready it fails with unavailable, from
  /// the event loop (callers that must not lose a request, like the outbox, resend after
  /// ready()).
  void request(protocol::RequestBody body, ReplyHandler handler,
               std::chrono::milliseconds timeout = std::chrono::seconds(15));

  /// Drops the current socket as if the network failed (reconnects with backoff). For tests and
  /// for "reconnect now" after the machine wakes up. Pending requests fail before it returns.
  void drop();
  /// Skips the rest of the current backoff wait and tries at once. No effect while a socket is
  /// open or opening, or after close(), certificateRejected() or fatalError().
  void reconnect_now();

  /// While ready, a WebSocket ping goes to the server every `interval` (default
  /// kDefaultHeartbeat), and the connection is dropped as by drop() (then reconnects with
  /// backoff) when nothing (no frame, no pong) arrived for 2 × `interval`: after a network
  /// change a socket may stay "connected" for many minutes without a byte getting through.
  /// Zero or less turns the heartbeat off. Takes effect at once, also on a ready connection.
  void set_heartbeat(std::chrono::milliseconds interval);
  static constexpr std::chrono::milliseconds kDefaultHeartbeat{20'000};

 signals:
  void stateChanged(messenger::client::ConnectionState state);
  /// hello succeeded on a new socket: authenticate, then sync.
  void ready();
  /// An event from the server; event types this build does not know are skipped.
  void eventReceived(const messenger::protocol::ServerEvent& event);
  /// The server closed the socket with a close frame; `code` is the WebSocket close code (e.g.
  /// 4001 session revoked, 4002 account disabled, 1001 server going away), `reason` the
  /// server's text. Reconnecting goes on (the Session decides, and calls close() if it must).
  /// A connection lost without a close frame only changes the state.
  void closed(int code, const QString& reason);
  /// A connection attempt failed before hello succeeded (refused, host not found, unreachable,
  /// TLS, hello refused or unanswered, closed by the server): `message` says why, for people.
  /// Retried with backoff.
  void connectFailed(const QString& message);
  /// wss:// with a certificate that the system does not trust and that is not pinned (or the
  /// pin differs: `pin_mismatch`). The attempt is aborted and reconnecting stops until open()
  /// is called again (with the fingerprint as pin once the user accepted it).
  void certificateRejected(const QString& sha256_fingerprint, bool pin_mismatch);
  /// The server refused the handshake for good (unsupported protocol version); reconnecting
  /// stops.
  void fatalError(const messenger::core::Error& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace messenger::client
