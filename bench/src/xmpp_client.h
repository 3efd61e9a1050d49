#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "asio.h"
#include "client.h"
#include "xmpp_connection.h"
#include "xmpp_stanza.h"

namespace messenger::bench {

/// Where XMPP clients connect and who they are there.
struct XmppTarget {
  tcp::endpoint endpoint;
  std::string domain = "localhost";  // the virtual host: JIDs are user@domain
  std::string resource = "bench";    // run_xmpp makes it bench-PID
};

/// Parses HOST:PORT with a numeric IPv4 or [IPv6] host. False with `error` set otherwise.
bool parse_host_port(std::string_view text, tcp::endpoint& endpoint, std::string& error);

class XmppClient;

/// The hot path: called on the client's executor.
class XmppObserver {
 public:
  /// A chat or groupchat message with a body.
  virtual void on_message(XmppClient& client, const StanzaInfo& message, std::int64_t now) = 0;
  /// An error stanza, an unreadable stream, or the connection ended.
  virtual void on_problem(XmppClient& client, std::string_view code) = 0;

 protected:
  ~XmppObserver() = default;
};

/// One simulated user on one XMPP connection: stream, SASL PLAIN, resource binding, session
/// (when the server requires it), initial presence; or in-band registration (XEP-0077) only.
/// Every member function runs on executor(); async_xmpp_* below may be called from anywhere.
/// Replies use the WebSocket client's Reply: ok, or a code ("closed", "sasl: not-authorized",
/// ...) and message.
class XmppClient final : private XmppHandler {
 public:
  XmppClient(asio::any_io_executor executor, const XmppTarget& target);
  ~XmppClient();
  XmppClient(const XmppClient&) = delete;
  XmppClient& operator=(const XmppClient&) = delete;

  [[nodiscard]] const asio::any_io_executor& executor() const { return executor_; }
  void set_observer(XmppObserver* observer) { observer_ = observer; }
  void set_tag(std::size_t tag) { tag_ = tag; }
  [[nodiscard]] std::size_t tag() const { return tag_; }

  using ReplyHandler = Client::ReplyHandler;

  /// Connects and logs in (ready once the initial presence is sent); `done` gets the outcome.
  void start(const Account& account, ReplyHandler done);
  /// Connects and registers the account in-band, then ends the stream. An account that exists
  /// already (<conflict/>) counts as success with reply.message "exists".
  void register_account(const Account& account, ReplyHandler done);
  /// Joins room@service as `nick` (no history). With `configure`, the joiner is the room's
  /// creator and accepts the default configuration (an "instant room", XEP-0045 10.1.2), so
  /// that servers that lock new rooms open it. `done` follows the self-presence (or config).
  void join_room(std::string_view room_jid, std::string_view nick, bool configure,
                 ReplyHandler done);

  /// A <message type='chat'> to a bare JID whose body starts with `sent_ns`.
  void send_chat(std::string_view to, std::int64_t sent_ns, std::size_t text_size);
  /// A <message type='groupchat'> to a room.
  void send_groupchat(std::string_view room_jid, std::int64_t sent_ns, std::size_t text_size);

  void close();
  void abort();

  [[nodiscard]] bool ready() const { return step_ == Step::ready; }
  [[nodiscard]] std::size_t unwritten() const { return connection_.unwritten(); }
  [[nodiscard]] const std::string& username() const { return username_; }

 private:
  enum class Step : std::uint8_t {
    idle,
    connecting,
    features,
    registering,
    authenticating,
    restarted,
    binding,
    session,
    ready,
    closed
  };

  void on_connected() override;
  void on_stream_open() override;
  void on_stanza(std::string_view stanza) override;
  void on_closed(std::string_view reason) override;

  void open_stream();
  void on_features();
  void on_iq();
  void on_presence();
  void become_ready();
  void finish_start(bool ok, std::string code, std::string message = {});
  void finish_join(bool ok, std::string code);
  void append_message(std::string_view to, std::string_view type, std::int64_t sent_ns,
                      std::size_t text_size);

  asio::any_io_executor executor_;
  XmppTarget target_;
  XmppConnection connection_;
  XmppObserver* observer_ = nullptr;
  std::size_t tag_ = 0;
  StanzaInfo info_;
  Step step_ = Step::idle;
  bool register_only_ = false;
  bool session_required_ = false;
  bool closing_ = false;
  std::string username_;
  std::string password_;
  ReplyHandler on_started_;
  // One room join at a time.
  std::string join_prefix_;  // room@service/nick
  std::string join_room_;
  bool join_configure_ = false;
  ReplyHandler on_joined_;
  std::uint64_t next_id_ = 1;
};

namespace detail {
template <typename Token, typename Start>
auto async_xmpp(XmppClient& client, Token&& token, Start start) {
  return asio::async_initiate<Token, void(Reply)>(
      [&client](auto handler, Start begin) {
        auto done = detail::bounce(std::move(handler), client.executor());
        asio::dispatch(client.executor(),
                       [&client, begin = std::move(begin), done = std::move(done)]() mutable {
                         begin(client, std::move(done));
                       });
      },
      token, std::move(start));
}
}  // namespace detail

/// Awaitable forms of XmppClient::start, register_account and join_room.
template <typename Token>
auto async_xmpp_start(XmppClient& client, const Account& account, Token&& token) {
  return detail::async_xmpp(
      client, std::forward<Token>(token),
      [account](XmppClient& c, Client::ReplyHandler done) { c.start(account, std::move(done)); });
}
template <typename Token>
auto async_xmpp_register(XmppClient& client, const Account& account, Token&& token) {
  return detail::async_xmpp(client, std::forward<Token>(token),
                            [account](XmppClient& c, Client::ReplyHandler done) {
                              c.register_account(account, std::move(done));
                            });
}
template <typename Token>
auto async_xmpp_join(XmppClient& client, std::string room_jid, std::string nick, bool configure,
                     Token&& token) {
  return detail::async_xmpp(client, std::forward<Token>(token),
                            [room_jid = std::move(room_jid), nick = std::move(nick), configure](
                                XmppClient& c, Client::ReplyHandler done) {
                              c.join_room(room_jid, nick, configure, std::move(done));
                            });
}

}  // namespace messenger::bench
