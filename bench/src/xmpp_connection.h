#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "asio.h"

namespace messenger::bench {

/// What happens on one XMPP connection, called on the connection's executor.
class XmppHandler {
 public:
  virtual void on_connected() = 0;
  /// The server's stream header (after connecting and after each stream restart).
  virtual void on_stream_open() = 0;
  /// One complete top-level element; the view is valid until the call returns.
  virtual void on_stanza(std::string_view stanza) = 0;
  /// The connection is over (error, the server's </stream:stream>, or our own close or abort);
  /// called at most once.
  virtual void on_closed(std::string_view reason) = 0;

 protected:
  ~XmppHandler() = default;
};

/// A plain-TCP XMPP client connection (no TLS: the peers run on loopback for the benchmark).
/// Outgoing stanzas are appended to one string while at most one write is in flight; when it
/// ends, everything appended meanwhile goes in the next write, so a burst costs one syscall and
/// a steady stream allocates nothing. Incoming bytes go through a StanzaSplitter. Every member
/// function must be called on the connection's executor.
class XmppConnection {
 public:
  XmppConnection(asio::any_io_executor executor, XmppHandler& handler);
  ~XmppConnection();
  XmppConnection(const XmppConnection&) = delete;
  XmppConnection& operator=(const XmppConnection&) = delete;

  /// TCP connect; on_connected() or on_closed() follows.
  void connect(const tcp::endpoint& endpoint);

  /// Where to append outgoing XML; flush() starts writing it.
  std::string& out();
  void flush();
  /// Bytes appended or being written and not yet handed to the kernel.
  [[nodiscard]] std::size_t unwritten() const;

  /// The server starts a new stream (after SASL success): the next element is its header.
  void restart_stream();

  /// Ends our stream (</stream:stream>) after what is queued; the connection closes when the
  /// server ends its stream or the socket.
  void close();
  /// Closes the socket now; pending operations end with an error.
  void abort();

  [[nodiscard]] bool is_open() const;

  /// Connections of this process that have started connecting and not yet ended.
  [[nodiscard]] static std::size_t live();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace messenger::bench
