#pragma once

// Internal to the service layer: the state owned by the service thread and the handlers, which
// are split by feature over auth.cpp, users.cpp, conversations.cpp, messages.cpp, presence.cpp.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "commit_window.h"
#include "login_throttle.h"
#include "messenger/protocol/codec.h"
#include "password_hasher.h"
#include "release.h"
#include "release_pipeline.h"
#include "service.h"
#include "task_queue.h"

namespace messenger::service {

using core::ConnectionId;
using core::ConversationId;
using core::Errc;
using core::Error;
using core::Result;
using core::Status;
using core::UserId;

/// What the service knows about one live connection.
struct ConnectionState {
  std::shared_ptr<Connection> connection;
  std::string remote_address;
  bool hello_done = false;
  UserId user;  // invalid until logged in
  core::AuthSessionId auth_session;
  protocol::PresenceState presence = protocol::PresenceState::online;
  std::unordered_map<ConversationId, std::chrono::steady_clock::time_point> last_typing;
  bool closing = false;

  [[nodiscard]] bool authenticated() const { return user.is_valid(); }
};

/// The request being handled: who sent it, the id its reply carries, and when it arrived.
struct RequestContext {
  ConnectionId connection_id;
  protocol::RequestIdJson id;
  std::chrono::steady_clock::time_point arrived;
};

class Service::Impl {
 public:
  Impl(storage::Store& store, const core::Clock& clock, Metrics& metrics, ServiceConfig config);
  ~Impl();

  void start();
  void stop();
  void enqueue(TaskQueue::Task task);
  void run_until_idle();
  Result<std::string> bootstrap_admin(const std::string& username, const std::string& password);

  // ---- tasks (service thread) ----
  void on_connect(ConnectionId id, std::shared_ptr<Connection> connection, std::string remote);
  void on_request(ConnectionId id, protocol::Request request,
                  std::chrono::steady_clock::time_point arrived);  // Service::request's
  void on_disconnect(ConnectionId id);

  // ---- handlers: each returns an error to reply with, or Ok after replying itself ----
  Status handle(const RequestContext& ctx, const protocol::Hello& r);
  Status handle(const RequestContext& ctx, const protocol::Login& r);
  Status handle(const RequestContext& ctx, const protocol::Resume& r);
  Status handle(const RequestContext& ctx, const protocol::Logout& r);
  Status handle(const RequestContext& ctx, const protocol::ChangePassword& r);
  Status handle(const RequestContext& ctx, const protocol::GetMe& r);
  Status handle(const RequestContext& ctx, const protocol::GetUsers& r);
  Status handle(const RequestContext& ctx, const protocol::UpdateProfile& r);
  Status handle(const RequestContext& ctx, const protocol::SearchDirectory& r);
  Status handle(const RequestContext& ctx, const protocol::GetSettings& r);
  Status handle(const RequestContext& ctx, const protocol::SetSettings& r);
  Status handle(const RequestContext& ctx, const protocol::SetPresence& r);
  Status handle(const RequestContext& ctx, const protocol::AdminCreateUser& r);
  Status handle(const RequestContext& ctx, const protocol::AdminResetPassword& r);
  Status handle(const RequestContext& ctx, const protocol::AdminSetDisabled& r);
  Status handle(const RequestContext& ctx, const protocol::AdminSetAdmin& r);
  Status handle(const RequestContext& ctx, const protocol::OpenDirect& r);
  Status handle(const RequestContext& ctx, const protocol::CreateConversation& r);
  Status handle(const RequestContext& ctx, const protocol::ListConversations& r);
  Status handle(const RequestContext& ctx, const protocol::GetConversation& r);
  Status handle(const RequestContext& ctx, const protocol::BrowseChannels& r);
  Status handle(const RequestContext& ctx, const protocol::RenameConversation& r);
  Status handle(const RequestContext& ctx, const protocol::SetTopic& r);
  Status handle(const RequestContext& ctx, const protocol::Invite& r);
  Status handle(const RequestContext& ctx, const protocol::Join& r);
  Status handle(const RequestContext& ctx, const protocol::Leave& r);
  Status handle(const RequestContext& ctx, const protocol::RemoveMember& r);
  Status handle(const RequestContext& ctx, const protocol::Archive& r);
  Status handle(const RequestContext& ctx, const protocol::SendMessage& r);
  /// When `error` refused a msg.send, a message the sender already stored under client_msg_id
  /// is the reply instead (a retry); otherwise `error` stands.
  Status retry_or(const RequestContext& ctx, UserId sender, std::string_view client_msg_id,
                  const Error& error);
  Status handle(const RequestContext& ctx, const protocol::GetHistory& r);
  Status handle(const RequestContext& ctx, const protocol::SyncChanges& r);
  Status handle(const RequestContext& ctx, const protocol::EditMessage& r);
  Status handle(const RequestContext& ctx, const protocol::DeleteMessage& r);
  Status handle(const RequestContext& ctx, const protocol::MarkRead& r);
  Status handle(const RequestContext& ctx, const protocol::Typing& r);

  // ---- output, buffered until the batch commits ----
  template <typename T>
  void reply(const RequestContext& ctx, const T& result) {
    buffer_reply(ctx, make_frame(protocol::encode_result(ctx.id, result)));
  }
  void reply_error(const RequestContext& ctx, const Error& error);
  void buffer_reply(const RequestContext& ctx, Frame frame);
  /// Queues an event for every connection of each user, except `except`.
  void send_to_users(const std::vector<UserId>& users, const Frame& frame,
                     ConnectionId except = ConnectionId{});
  void send_to_user(UserId user, const Frame& frame, ConnectionId except = ConnectionId{});
  void close_user_connections(UserId user, protocol::CloseCode code, std::string reason,
                              ConnectionId except = ConnectionId{});
  void close_connection(ConnectionId id, protocol::CloseCode code, std::string reason);

  // ---- helpers shared by the handlers ----
  ConnectionState* connection(ConnectionId id);
  /// The logged-in user of the request's connection (the handlers run only when there is one).
  UserId caller(const RequestContext& ctx);
  Result<core::User> load_user(UserId id);
  Status require_admin(const RequestContext& ctx);
  Result<core::Conversation> load_conversation(ConversationId id);
  /// The conversation, when the caller is a member of it; not_found / not_member otherwise.
  Result<core::Conversation> load_membership(const RequestContext& ctx, ConversationId id);
  Result<protocol::ConversationDetails> details(const core::Conversation& conversation);
  Result<std::vector<UserId>> member_ids(ConversationId id);
  protocol::UserView view(const core::User& user) const;
  protocol::PresenceState presence_of(UserId user) const;
  /// Runs `work` off the service thread (password hashing), then `done` with its result back on
  /// the service thread. Without started threads both run inline.
  template <typename T>
  void run_off_thread(std::function<T()> work, std::function<void(T)> done);
  /// `current`, when given, is `user` as stored now (read in this task), so the presence event
  /// need not read the user again; a login passes none (its user was read before hashing).
  Status authenticate(ConnectionId id, const core::User& user, core::AuthSessionId session,
                      const core::User* current);
  /// `current`, when given, is the user's row as stored now (read in this task).
  void presence_changed(UserId user, protocol::PresenceState before,
                        const core::User* current = nullptr);
  /// The conversation when the caller may read it: a member, or anyone for a public channel.
  Result<core::Conversation> load_readable(const RequestContext& ctx, ConversationId id);
  /// An edit (new_text) or a delete (nullopt) of the caller's own message.
  Status change_message(const RequestContext& ctx, ConversationId conversation_id, core::Seq seq,
                        std::optional<std::string_view> new_text);
  std::size_t outputs_size() const { return batch_.outputs.size(); }
  /// Counts a stored message of this batch, with its request's arrival (metrics once released).
  void count_message_stored(const RequestContext& ctx) {
    batch_.message_arrivals.push_back(ctx.arrived);
  }
  /// Counts message.new frames queued for delivery (metrics once released).
  void count_delivery(std::uint64_t n) { batch_.deliveries += n; }
  /// Owners of the conversation and server administrators may manage it.
  Result<bool> may_manage(const RequestContext& ctx, ConversationId id);
  /// Replies with the conversation and pushes conversation.updated to its members.
  Status publish_conversation(const RequestContext& ctx, const core::Conversation& conversation);
  Status add_members(const RequestContext& ctx, const core::Conversation& conversation,
                     const std::vector<UserId>& users);
  Status remove_from(const RequestContext& ctx, const core::Conversation& conversation,
                     UserId user);
  /// Marks the batch failed when `status` says storage failed; returns it unchanged.
  Status check_storage(Status status);
  /// The same for an error already being replied with.
  void note_failure(const Error& error);

  storage::Store& store_;
  const core::Clock& clock_;
  Metrics& metrics_;
  const ServiceConfig config_;
  PasswordHasher hasher_;
  std::string dummy_hash_;  // verified against for unknown usernames, so timing tells nothing
  LoginThrottle throttle_;

  TaskQueue queue_;
  std::thread thread_;
  std::vector<std::thread> workers_;
  TaskQueue work_queue_;  // password hashing jobs
  std::atomic<int> outstanding_jobs_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};

  std::unordered_map<ConnectionId, ConnectionState> connections_;
  std::unordered_map<UserId, std::vector<ConnectionId>> user_connections_;

 private:
  void service_loop();
  /// Handles tasks from the front of `tasks` as one unit of work and removes those it handled.
  void run_batch(std::vector<TaskQueue::Task>& tasks);
  /// Hands the batch's outputs on: to the release pipeline once started, directly otherwise.
  void finish_batch();
  void shutdown_connections();

  BatchOutputs batch_;
  bool batch_failed_ = false;
  std::unique_ptr<ReleasePipeline> pipeline_;          // from start() on
  CommitWindow commit_window_{config_.commit_window};  // the service thread's only
};

template <typename T>
void Service::Impl::run_off_thread(std::function<T()> work, std::function<void(T)> done) {
  if (workers_.empty()) {
    done(work());
    return;
  }
  outstanding_jobs_.fetch_add(1);
  work_queue_.push([this, work = std::move(work), done = std::move(done)]() mutable {
    auto result = std::make_shared<T>(work());
    queue_.push([this, done = std::move(done), result]() mutable {
      done(std::move(*result));
      outstanding_jobs_.fetch_sub(1);
    });
  });
}

}  // namespace messenger::service
