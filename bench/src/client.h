#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "asio.h"
#include "client_msg_ids.h"
#include "frame_parser.h"
#include "ws_connection.h"

namespace messenger::bench {

/// One bench account. Setup fills ids, token and the direct conversation with the partner.
struct Account {
  std::string username;
  std::string password;
  std::int64_t user_id = 0;
  std::string token;
  std::int64_t partner_id = 0;
  std::int64_t conversation_id = 0;
};

enum class AuthMode : std::uint8_t { password, token };

/// The reply to a control request: a result object, or an error code and message. Failures of
/// the connection itself have the code "closed".
struct Reply {
  bool ok = false;
  nlohmann::json result;
  std::string code;
  std::string message;
  std::string token;         // result.token of a login result (Client::ResultKind::login)
  std::int64_t user_id = 0;  // result.user.id of a login or resume result (ResultKind::login)
};

class Client;

/// The hot path: called on the client's executor for frames that are not control replies.
class ClientObserver {
 public:
  /// The result of a msg.send.
  virtual void on_ack(Client& client, const FrameInfo& frame, std::int64_t now) = 0;
  /// The error reply to a msg.send.
  virtual void on_send_error(Client& client, const FrameInfo& frame) = 0;
  /// A message.new event.
  virtual void on_delivery(Client& client, const FrameInfo& frame, std::int64_t now) = 0;
  /// An error without a known id, a frame that is not JSON, or the connection ended.
  virtual void on_problem(Client& client, std::string_view code) = 0;

 protected:
  ~ClientObserver() = default;
};

/// One simulated user on one WebSocket connection, speaking protocol v1. Control requests
/// (hello, login, admin, conv.*) are correlated by id and parsed into a DOM; msg.send and
/// message.new take the allocation-free path to the ClientObserver. Every member function runs
/// on executor(); the async_* helpers below may be called from anywhere.
class Client final : private WsHandler {
 public:
  Client(asio::any_io_executor executor, const Target& target, ParserKind parser,
         ClientMsgIds client_msg_ids);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] const asio::any_io_executor& executor() const { return executor_; }
  void set_observer(ClientObserver* observer) { observer_ = observer; }
  /// A number the owner chooses (e.g. its index of this client), for the observer.
  void set_tag(std::size_t tag) { tag_ = tag; }
  [[nodiscard]] std::size_t tag() const { return tag_; }

  using ReplyHandler = std::function<void(Reply&)>;

  /// Connects, says hello, then logs in by password or resumes by token; `done` gets the login
  /// reply (or the first failure).
  void start(const Account& account, AuthMode mode, ReplyHandler done);
  /// Sends a request (its "id" is set here) and calls `handler` with the reply.
  void call(nlohmann::json request, ReplyHandler handler);
  /// How much of a result call_text's handler gets in Reply::result. Parsing each reply into a
  /// JSON tree was most of what a login cost the generator.
  enum class ResultKind : std::uint8_t {
    none,   // nothing (null)
    login,  // Reply::token and Reply::user_id only (result stays null)
    tree,   // the whole result
  };
  /// The same as call() for a request already written as JSON text without its closing brace
  /// (the id is appended here).
  void call_text(std::string request_without_end, ReplyHandler handler, ResultKind result);
  /// Sends one msg.send whose text starts with `sent_ns`, `text_size` bytes in all.
  void send_message(std::int64_t conversation_id, std::int64_t sent_ns, std::size_t text_size);

  void close();
  void abort();

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] std::int64_t user_id() const { return user_id_; }
  [[nodiscard]] const std::string& token() const { return token_; }
  /// msg.send requests without a reply yet.
  [[nodiscard]] std::int64_t in_flight() const { return in_flight_; }

  /// Request ids at or above this are msg.send; below, control requests.
  static constexpr std::int64_t kFirstSendId = std::int64_t{1} << 40;

 private:
  void on_open() override;
  void on_text(std::string_view frame) override;
  void on_closed(std::string_view reason) override;
  void on_control_reply(std::string_view frame, const FrameInfo& info);
  void fail_pending(std::string_view reason);

  asio::any_io_executor executor_;
  Target target_;
  ParserKind parser_;
  ClientMsgIds client_msg_ids_;
  WsConnection connection_;
  ClientObserver* observer_ = nullptr;
  std::size_t tag_ = 0;
  FrameInfo frame_;
  struct PendingCall {
    ReplyHandler handler;
    ResultKind result = ResultKind::tree;
  };
  std::unordered_map<std::int64_t, PendingCall> pending_;
  std::int64_t next_control_id_ = 1;
  std::int64_t next_send_id_ = kFirstSendId;
  std::int64_t in_flight_ = 0;
  std::int64_t user_id_ = 0;
  std::string token_;
  bool ready_ = false;
  bool closed_ = false;
  bool closing_ = false;  // close() or abort() was called: the end is not a failure
  ReplyHandler on_open_;
  std::string closed_reason_;
};

/// Awaitable forms of Client::start and Client::call: they run on the client's executor and
/// complete on the caller's.
template <typename Token>
auto async_start(Client& client, const Account& account, AuthMode mode, Token&& token);
template <typename Token>
auto async_call(Client& client, nlohmann::json request, Token&& token);

namespace detail {
/// Wraps a move-only completion handler into a copyable ReplyHandler that completes on the
/// handler's own executor.
template <typename Handler>
Client::ReplyHandler bounce(Handler handler, const asio::any_io_executor& fallback) {
  // Tracked work keeps the caller's io_context running until the reply is delivered.
  auto executor = asio::prefer(asio::get_associated_executor(handler, fallback),
                               asio::execution::outstanding_work.tracked);
  auto shared = std::make_shared<Handler>(std::move(handler));
  return [shared, executor](Reply& reply) {
    asio::post(executor,
               [shared, reply = std::move(reply)]() mutable { (*shared)(std::move(reply)); });
  };
}
}  // namespace detail

template <typename Token>
auto async_start(Client& client, const Account& account, AuthMode mode, Token&& token) {
  return asio::async_initiate<Token, void(Reply)>(
      [&client, mode](auto handler, Account acct) {
        auto done = detail::bounce(std::move(handler), client.executor());
        asio::dispatch(client.executor(),
                       [&client, mode, acct = std::move(acct), done = std::move(done)]() mutable {
                         client.start(acct, mode, std::move(done));
                       });
      },
      token, account);
}

template <typename Token>
auto async_call(Client& client, nlohmann::json request, Token&& token) {
  return asio::async_initiate<Token, void(Reply)>(
      [&client](auto handler, nlohmann::json req) {
        auto done = detail::bounce(std::move(handler), client.executor());
        asio::dispatch(client.executor(),
                       [&client, req = std::move(req), done = std::move(done)]() mutable {
                         client.call(std::move(req), std::move(done));
                       });
      },
      token, std::move(request));
}

}  // namespace messenger::bench
