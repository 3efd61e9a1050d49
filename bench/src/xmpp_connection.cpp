#include "xmpp_connection.h"

#include <atomic>

#include "xmpp_stanza.h"

namespace messenger::bench {
namespace {
std::atomic<std::size_t> live_connections{0};
constexpr std::size_t kReadSize = 16384;
}  // namespace

struct XmppConnection::Impl : std::enable_shared_from_this<XmppConnection::Impl> {
  Impl(asio::any_io_executor executor, XmppHandler& h) : socket(std::move(executor)), handler(&h) {}

  void start_connect(const tcp::endpoint& endpoint) {
    counted = true;
    live_connections.fetch_add(1, std::memory_order_relaxed);
    socket.async_connect(endpoint, [self = shared_from_this()](boost::system::error_code ec) {
      self->on_connect(ec);
    });
  }

  void on_connect(boost::system::error_code ec) {
    if (done) return;
    if (ec) return finish("connect: " + ec.message());
    socket.set_option(tcp::no_delay(true), ec);
    open = true;
    do_read();
    if (handler != nullptr) handler->on_connected();
  }

  void do_read() {
    char* space = splitter.prepare(kReadSize);
    socket.async_read_some(asio::buffer(space, kReadSize),
                           [self = shared_from_this()](boost::system::error_code ec,
                                                       std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    if (done) return;
    if (ec) {
      if (ec == asio::error::eof) {
        return finish(close_sent ? "closed" : "the server closed the connection");
      }
      return finish("read: " + ec.message());
    }
    splitter.commit(n);
    std::string_view stanza;
    while (!done) {
      const StreamEvent event = splitter.next(stanza);
      if (event == StreamEvent::need_more) break;
      if (handler == nullptr) continue;
      switch (event) {
        case StreamEvent::stream_open:
          handler->on_stream_open();
          break;
        case StreamEvent::stanza:
          handler->on_stanza(stanza);
          break;
        case StreamEvent::stream_close:
          return finish(close_sent ? "closed" : "the server ended the stream");
        case StreamEvent::error:
          return finish("unreadable stream: " + std::string(splitter.error()));
        case StreamEvent::need_more:
          break;
      }
    }
    if (!done) do_read();
  }

  void flush() {
    if (writing || pending.empty() || done || !open) return;
    writing = true;
    std::swap(pending, in_write);
    asio::async_write(socket, asio::buffer(in_write),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(boost::system::error_code ec) {
    writing = false;
    in_write.clear();
    if (done) return;
    if (ec) return finish("write: " + ec.message());
    flush();
  }

  void finish(std::string reason) {
    if (done) return;
    done = true;
    open = false;
    if (counted) live_connections.fetch_sub(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    socket.close(ignored);
    if (handler != nullptr) handler->on_closed(reason);
  }

  tcp::socket socket;
  XmppHandler* handler;
  StanzaSplitter splitter;
  std::string pending;
  std::string in_write;
  bool open = false;
  bool writing = false;
  bool close_sent = false;
  bool done = false;
  bool counted = false;
};

XmppConnection::XmppConnection(asio::any_io_executor executor, XmppHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), handler)) {}

XmppConnection::~XmppConnection() {
  // Handlers still queued keep the Impl alive; they must not call back into a dead owner.
  impl_->handler = nullptr;
  impl_->finish("destroyed");
}

void XmppConnection::connect(const tcp::endpoint& endpoint) {
  impl_->start_connect(endpoint);
}

std::string& XmppConnection::out() {
  return impl_->pending;
}

void XmppConnection::flush() {
  impl_->flush();
}

std::size_t XmppConnection::unwritten() const {
  return impl_->pending.size() + impl_->in_write.size();
}

void XmppConnection::restart_stream() {
  impl_->splitter.reset();
}

void XmppConnection::close() {
  if (impl_->done || impl_->close_sent) return;
  if (!impl_->open) return impl_->finish("closed before connecting");
  impl_->close_sent = true;
  impl_->pending.append("</stream:stream>");
  impl_->flush();
}

void XmppConnection::abort() {
  impl_->finish("aborted");
}

bool XmppConnection::is_open() const {
  return impl_->open && !impl_->done;
}

std::size_t XmppConnection::live() {
  return live_connections.load(std::memory_order_relaxed);
}

}  // namespace messenger::bench
