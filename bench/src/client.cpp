#include "client.h"

#include <array>
#include <charconv>

#include "proc_stats.h"

namespace messenger::bench {
namespace {

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

/// The reply of a request that the connection's end cut short.
Reply closed_reply(std::string message) {
  Reply reply;
  reply.code = "closed";
  reply.message = std::move(message);
  return reply;
}

}  // namespace

Client::Client(asio::any_io_executor executor, const Target& target, ParserKind parser,
               ClientMsgIds client_msg_ids)
    : executor_(executor),
      target_(target),
      parser_(parser),
      client_msg_ids_(client_msg_ids),
      connection_(std::move(executor), *this) {}

Client::~Client() = default;

void Client::start(const Account& account, AuthMode mode, ReplyHandler done) {
  if (closed_ || closing_) {
    // Aborted before it started (a connect timeout): a connection opened now would outlive
    // the scenario and keep the io_context running.
    Reply reply = closed_reply(closed_reason_.empty() ? "aborted" : closed_reason_);
    return done(reply);
  }
  // The requests are written as text (strings through nlohmann's escaping): building a tree per
  // request and parsing the hello reply into one cost the generator more than the rest of a login.
  std::string login = R"({"type":)";
  if (mode == AuthMode::token) {
    login.append(R"("auth.resume","token":)").append(nlohmann::json(account.token).dump());
  } else {
    login.append(R"("auth.login","username":)")
        .append(nlohmann::json(account.username).dump())
        .append(R"(,"password":)")
        .append(nlohmann::json(account.password).dump())
        .append(R"(,"device":"messenger-bench")");
  }
  on_open_ = [this, login = std::move(login), done = std::move(done)](Reply& opened) mutable {
    if (!opened.ok) return done(opened);
    call_text(R"({"type":"hello","version":1,"client":"messenger-bench")",
              [this, login = std::move(login), done = std::move(done)](Reply& hello) mutable {
                if (!hello.ok) return done(hello);
                call_text(
                    std::move(login),
                    [this, done = std::move(done)](Reply& reply) {
                      if (reply.ok) {
                        if (!reply.token.empty()) token_ = std::move(reply.token);
                        if (reply.user_id != 0) user_id_ = reply.user_id;
                        ready_ = user_id_ != 0;
                        if (!ready_) {
                          reply.ok = false;
                          reply.code = "bad_reply";
                          reply.message = "login result without user.id";
                        }
                      }
                      done(reply);
                    },
                    ResultKind::login);
              },
              ResultKind::none);
  };
  connection_.connect(target_);
}

void Client::call(nlohmann::json request, ReplyHandler handler) {
  request.erase("id");                // the id is set here
  std::string text = request.dump();  // an object with at least its "type"
  text.pop_back();                    // call_text appends the id and the closing brace
  call_text(std::move(text), std::move(handler), ResultKind::tree);
}

void Client::call_text(std::string request_without_end, ReplyHandler handler, ResultKind result) {
  if (closed_) {
    Reply reply = closed_reply(closed_reason_);
    return handler(reply);
  }
  const std::int64_t id = next_control_id_++;
  pending_.emplace(id, PendingCall{std::move(handler), result});
  std::string frame = connection_.take_buffer();
  frame.append(request_without_end).append(R"(,"id":)");
  append_int(frame, id);
  frame.push_back('}');
  connection_.send(std::move(frame));
}

void Client::send_message(std::int64_t conversation_id, std::int64_t sent_ns,
                          std::size_t text_size) {
  if (closed_) return;
  const std::int64_t id = next_send_id_++;
  std::string frame = connection_.take_buffer();
  frame.append(R"({"type":"msg.send","id":)");
  append_int(frame, id);
  frame.append(R"(,"conversation_id":)");
  append_int(frame, conversation_id);
  frame.append(R"(,"client_msg_id":")");
  client_msg_ids_.append_next(frame, unix_ms());
  frame.append(R"(","text":")");
  append_message_text(frame, sent_ns, text_size);
  frame.append(R"("})");
  connection_.send(std::move(frame));
  ++in_flight_;
}

void Client::close() {
  closing_ = true;
  connection_.close();
}

void Client::abort() {
  closing_ = true;
  connection_.abort();
}

void Client::on_open() {
  if (on_open_) {
    auto opened = std::move(on_open_);
    on_open_ = nullptr;
    Reply reply;
    reply.ok = true;
    opened(reply);
  }
}

void Client::on_text(std::string_view frame) {
  const std::int64_t now = now_ns();
  if (!scan_frame(frame, frame_, parser_)) {
    if (observer_ != nullptr) observer_->on_problem(*this, "invalid_frame");
    return;
  }
  if (frame_.has_id && frame_.id >= kFirstSendId) {
    --in_flight_;
    if (observer_ == nullptr) return;
    if (frame_.kind == FrameKind::result) {
      observer_->on_ack(*this, frame_, now);
    } else {
      observer_->on_send_error(*this, frame_);
    }
    return;
  }
  if (frame_.kind == FrameKind::message_new) {
    if (observer_ != nullptr) observer_->on_delivery(*this, frame_, now);
    return;
  }
  if (frame_.kind == FrameKind::result || frame_.kind == FrameKind::error) {
    on_control_reply(frame, frame_);
  }
  // Other events (presence, conversation.added, ...) are not measured.
}

void Client::on_control_reply(std::string_view frame, const FrameInfo& info) {
  const auto it = info.has_id ? pending_.find(info.id) : pending_.end();
  if (it == pending_.end()) {
    if (observer_ != nullptr) {
      observer_->on_problem(
          *this, info.kind == FrameKind::error ? std::string_view(info.code) : "unexpected_result");
    }
    return;
  }
  ReplyHandler handler = std::move(it->second.handler);
  const ResultKind result = it->second.result;
  pending_.erase(it);
  Reply reply;
  if (info.kind == FrameKind::result) {
    reply.ok = true;
    if (result == ResultKind::tree) {
      auto doc = nlohmann::json::parse(frame, nullptr, false);
      if (doc.contains("result")) reply.result = std::move(doc["result"]);
    } else if (result == ResultKind::login) {
      // scan_frame() has read them already: no second pass over the frame.
      reply.token = info.token;
      reply.user_id = info.user_id;
    }
  } else {
    auto doc = nlohmann::json::parse(frame, nullptr, false);
    reply.code = info.code;
    if (doc.contains("message") && doc["message"].is_string()) {
      reply.message = doc["message"].get<std::string>();
    }
  }
  handler(reply);
}

void Client::fail_pending(std::string_view reason) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, call] : pending) {
    Reply reply = closed_reply(std::string(reason));
    call.handler(reply);
  }
}

void Client::on_closed(std::string_view reason) {
  const bool was_ready = ready_;
  closed_ = true;
  ready_ = false;
  closed_reason_ = std::string(reason);
  if (on_open_) {
    auto opened = std::move(on_open_);
    on_open_ = nullptr;
    Reply reply = closed_reply(closed_reason_);
    opened(reply);
  }
  fail_pending(closed_reason_);
  if (was_ready && !closing_ && observer_ != nullptr) {
    observer_->on_problem(*this, "connection_lost (" + closed_reason_ + ")");
  }
}

}  // namespace messenger::bench
