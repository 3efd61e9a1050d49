#include "service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>

#include "service_impl.h"

namespace messenger::service {

// ---- public facade ----

Service::Service(storage::Store& store, const core::Clock& clock, Metrics& metrics,
                 ServiceConfig config)
    : impl_(std::make_unique<Impl>(store, clock, metrics, std::move(config))) {}

Service::~Service() {
  impl_->stop();
}

void Service::start() {
  impl_->start();
}
void Service::stop() {
  impl_->stop();
}

void Service::connect(core::ConnectionId id, std::shared_ptr<Connection> connection,
                      std::string remote_address) {
  impl_->enqueue([impl = impl_.get(), id, connection = std::move(connection),
                  remote = std::move(remote_address)]() mutable {
    impl->on_connect(id, std::move(connection), std::move(remote));
  });
}

void Service::request(core::ConnectionId id, protocol::Request request,
                      std::chrono::steady_clock::time_point arrived) {
  impl_->enqueue([impl = impl_.get(), id, request = std::move(request), arrived]() mutable {
    impl->on_request(id, std::move(request), arrived);
  });
}

void Service::disconnect(core::ConnectionId id) {
  impl_->enqueue([impl = impl_.get(), id] { impl->on_disconnect(id); });
}

core::Result<std::string> Service::bootstrap_admin(const std::string& username,
                                                   const std::string& password) {
  return impl_->bootstrap_admin(username, password);
}

void Service::run_until_idle() {
  impl_->run_until_idle();
}

// ---- lifecycle and the batch loop ----

Service::Impl::Impl(storage::Store& store, const core::Clock& clock, Metrics& metrics,
                    ServiceConfig config)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      config_(std::move(config)),
      hasher_(config_.password_opslimit, config_.password_memlimit),
      throttle_(config_.max_login_failures_per_user, config_.max_login_failures_per_address,
                config_.login_window) {
  auto dummy = hasher_.hash(generate_password());
  dummy_hash_ = dummy.ok() ? dummy.value() : std::string();
}

Service::Impl::~Impl() {
  stop();
}

void Service::Impl::start() {
  if (started_.exchange(true)) return;
  for (int i = 0; i < std::max(1, config_.password_threads); ++i) {
    workers_.emplace_back([this] {
      for (;;) {
        auto jobs = work_queue_.take(1);
        if (jobs.empty()) return;
        jobs.front()();
      }
    });
  }
  // Commits stop waiting for the disk; the pipeline's thread waits, and releases each batch once
  // it is durable (docs/architecture.md, "Group commit").
  pipeline_ = std::make_unique<ReleasePipeline>(store_.defer_sync(), metrics_,
                                                stop_process_after_failed_sync);
  thread_ = std::thread([this] { service_loop(); });
}

void Service::Impl::enqueue(TaskQueue::Task task) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  queue_.push(std::move(task));
}

void Service::Impl::stop() {
  if (stopped_.exchange(true)) return;
  if (started_) {
    // Hashing jobs still running post their continuations to queue_; let them land first.
    while (outstanding_jobs_.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    queue_.close();
    if (thread_.joinable()) thread_.join();
    pipeline_->stop();  // every batch released before the closes below
    work_queue_.close();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  } else {
    run_until_idle();
  }
  shutdown_connections();
}

void Service::Impl::service_loop() {
  std::vector<TaskQueue::Task> tasks;
  for (;;) {
    pipeline_->wait_for_room();
    if (tasks.empty()) tasks = queue_.take(config_.max_batch);
    if (tasks.empty()) return;  // closed and drained
    // A plain sleep, not a wait on the queue: requests that arrive meanwhile wake nobody.
    if (const auto wait = commit_window_.wait_before(tasks.size(), CommitWindow::Clock::now());
        wait.count() > 0 && tasks.size() < config_.max_batch) {
      std::this_thread::sleep_for(wait);
      for (auto& task : queue_.try_take(config_.max_batch - tasks.size())) {
        tasks.push_back(std::move(task));
      }
    }
    run_batch(tasks);
  }
}

void Service::Impl::run_until_idle() {
  std::vector<TaskQueue::Task> tasks;
  for (;;) {
    if (tasks.empty()) tasks = queue_.try_take(config_.max_batch);
    if (tasks.empty()) return;
    run_batch(tasks);
  }
}

void Service::Impl::run_batch(std::vector<TaskQueue::Task>& tasks) {
  metrics_.service_queue_depth.observe(static_cast<double>(queue_.size()));
  batch_failed_ = false;
  if (auto began = store_.begin(); !began.ok()) {
    spdlog::error("storage: cannot begin a unit of work: {}", began.error().message);
    batch_failed_ = true;
  }
  // A batch also ends once its outputs reach max_batch_outputs (a fan-out queues one per
  // member): the tasks left wait, in order, for the next batch.
  std::size_t handled = 0;
  while (handled < tasks.size() && outputs_size() < config_.max_batch_outputs) {
    try {
      tasks[handled++]();
    } catch (const std::exception& e) {
      // A handler bug must not take down everyone's session; the batch is rolled back.
      spdlog::error("service: unexpected exception in a task: {}", e.what());
      batch_failed_ = true;
    }
  }
  tasks.erase(tasks.begin(), tasks.begin() + static_cast<std::ptrdiff_t>(handled));
  bool committed = false;
  if (!batch_failed_) {
    const auto started = std::chrono::steady_clock::now();
    auto status = store_.commit();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.commit_seconds.observe(took.count());
    metrics_.commit_batch_size.observe(static_cast<double>(handled));
    committed = status.ok();
    if (!committed) spdlog::error("storage: commit failed: {}", status.error().message);
  }
  if (!committed) {
    store_.rollback();
    metrics_.commits_failed.fetch_add(1);
  }
  batch_.committed = committed;
  finish_batch();
}

void Service::Impl::finish_batch() {
  BatchOutputs batch = std::exchange(batch_, {});
  if (pipeline_) {
    pipeline_->push(std::move(batch));
  } else {
    release(batch, metrics_);
  }
}

void Service::Impl::shutdown_connections() {
  std::vector<Delivery> closes;
  closes.reserve(connections_.size());
  for (auto& [id, state] : connections_) {
    closes.push_back(Delivery{state.connection, nullptr, protocol::CloseCode::going_away,
                              "server shutting down"});
  }
  hand_off(std::move(closes));
  connections_.clear();
  user_connections_.clear();
}

// ---- connections and dispatch ----

void Service::Impl::on_connect(ConnectionId id, std::shared_ptr<Connection> connection,
                               std::string remote) {
  ConnectionState state;
  state.connection = std::move(connection);
  state.remote_address = std::move(remote);
  connections_.insert_or_assign(id, std::move(state));
}

void Service::Impl::on_disconnect(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const UserId user = it->second.user;
  const auto before = user.is_valid() ? presence_of(user) : protocol::PresenceState::offline;
  connections_.erase(it);
  if (user.is_valid()) {
    auto& list = user_connections_[user];
    std::erase(list, id);
    if (list.empty()) user_connections_.erase(user);
    presence_changed(user, before);
  }
}

namespace {

bool allowed_before_login(const protocol::RequestBody& body) {
  return std::holds_alternative<protocol::Hello>(body) ||
         std::holds_alternative<protocol::Login>(body) ||
         std::holds_alternative<protocol::Resume>(body);
}

}  // namespace

void Service::Impl::on_request(ConnectionId id, protocol::Request request,
                               std::chrono::steady_clock::time_point arrived) {
  auto* state = connection(id);
  if (state == nullptr || state->closing) return;  // gone before its request was handled
  const RequestContext ctx{id, std::move(request.id), arrived};
  Status status = core::Ok{};
  if (!state->hello_done && !std::holds_alternative<protocol::Hello>(request.body)) {
    status = Error{Errc::hello_required, "send hello with the protocol version first"};
  } else if (!state->authenticated() && !allowed_before_login(request.body)) {
    status = Error{Errc::not_authenticated, "log in with auth.login or auth.resume first"};
  } else {
    status = std::visit([&](const auto& body) { return handle(ctx, body); }, request.body);
  }
  if (!status.ok()) {
    note_failure(status.error());
    reply_error(ctx, status.error());
  }
}

Status Service::Impl::check_storage(Status status) {
  if (!status.ok()) note_failure(status.error());
  return status;
}

void Service::Impl::note_failure(const Error& error) {
  if (error.code == Errc::unavailable || error.code == Errc::internal) batch_failed_ = true;
}

// ---- output ----

void Service::Impl::reply_error(const RequestContext& ctx, const Error& error) {
  metrics_.request_errors_total.fetch_add(1);
  buffer_reply(ctx, make_frame(protocol::encode_error(ctx.id, error)));
}

void Service::Impl::buffer_reply(const RequestContext& ctx, Frame frame) {
  auto* state = connection(ctx.connection_id);
  if (state == nullptr) return;
  Output out;
  out.connection = state->connection;
  out.frame = std::move(frame);
  out.is_reply = true;
  out.request_id = ctx.id;
  batch_.outputs.push_back(std::move(out));
}

void Service::Impl::send_to_user(UserId user, const Frame& frame, ConnectionId except) {
  auto it = user_connections_.find(user);
  if (it == user_connections_.end()) return;
  for (ConnectionId id : it->second) {
    if (id == except) continue;
    auto* state = connection(id);
    if (state == nullptr || state->closing) continue;
    Output out;
    out.connection = state->connection;
    out.frame = frame;
    batch_.outputs.push_back(std::move(out));
  }
}

void Service::Impl::send_to_users(const std::vector<UserId>& users, const Frame& frame,
                                  ConnectionId except) {
  for (UserId user : users) send_to_user(user, frame, except);
}

void Service::Impl::close_connection(ConnectionId id, protocol::CloseCode code,
                                     std::string reason) {
  auto* state = connection(id);
  if (state == nullptr || state->closing) return;
  state->closing = true;
  Output out;
  out.connection = state->connection;
  out.close_code = code;
  out.close_reason = std::move(reason);
  batch_.outputs.push_back(std::move(out));
}

void Service::Impl::close_user_connections(UserId user, protocol::CloseCode code,
                                           std::string reason, ConnectionId except) {
  auto it = user_connections_.find(user);
  if (it == user_connections_.end()) return;
  for (ConnectionId id : std::vector<ConnectionId>(it->second)) {
    if (id != except) close_connection(id, code, reason);
  }
}

// ---- helpers ----

ConnectionState* Service::Impl::connection(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : &it->second;
}

UserId Service::Impl::caller(const RequestContext& ctx) {
  auto* state = connection(ctx.connection_id);
  return state == nullptr ? UserId{} : state->user;
}

Result<core::User> Service::Impl::load_user(UserId id) {
  auto user = store_.find_user(id);
  if (!user.ok()) return user.error();
  if (!user.value()) return Error{Errc::not_found, "no such user"};
  return std::move(*user.value());
}

Status Service::Impl::require_admin(const RequestContext& ctx) {
  auto me = load_user(caller(ctx));
  if (!me.ok()) return me.error();
  if (!me->is_admin) return Error{Errc::forbidden, "this request needs an administrator"};
  return core::Ok{};
}

Result<core::Conversation> Service::Impl::load_conversation(ConversationId id) {
  auto conversation = store_.find_conversation(id);
  if (!conversation.ok()) return conversation.error();
  if (!conversation.value()) return Error{Errc::not_found, "no such conversation"};
  return std::move(*conversation.value());
}

Result<core::Conversation> Service::Impl::load_membership(const RequestContext& ctx,
                                                          ConversationId id) {
  auto conversation = load_conversation(id);
  if (!conversation.ok()) return conversation;
  auto member = store_.find_member(id, caller(ctx));
  if (!member.ok()) return member.error();
  if (!member.value()) return Error{Errc::not_member, "you are not a member of this conversation"};
  return conversation;
}

Result<protocol::ConversationDetails> Service::Impl::details(
    const core::Conversation& conversation) {
  auto members = store_.members(conversation.id);
  if (!members.ok()) return members.error();
  return protocol::ConversationDetails{conversation, std::move(members.value())};
}

Result<std::vector<UserId>> Service::Impl::member_ids(ConversationId id) {
  auto members = store_.members(id);
  if (!members.ok()) return members.error();
  std::vector<UserId> ids;
  ids.reserve(members->size());
  for (const auto& m : members.value()) ids.push_back(m.user_id);
  return ids;
}

protocol::UserView Service::Impl::view(const core::User& user) const {
  return protocol::UserView{user, presence_of(user.id)};
}

}  // namespace messenger::service
