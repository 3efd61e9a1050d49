#include "user_fetcher.h"

#include <QLoggingCategory>
#include <algorithm>
#include <utility>

#include "outbox.h"
#include "session_core.h"

namespace messenger::client::detail {
namespace {

Q_LOGGING_CATEGORY(lcUsers, "messenger.client.users")

}  // namespace

UserFetcher::UserFetcher(SessionCore& core) : core_(core) {
  flush_timer_.setSingleShot(true);
  flush_timer_.setInterval(0);
  QObject::connect(&flush_timer_, &QTimer::timeout, [this] { flush(); });
}

void UserFetcher::want(const std::vector<core::UserId>& ids) {
  for (const core::UserId id : ids) {
    if (id.is_valid() && !core_.users.contains(id) && !missing_.contains(id)) enqueue(id);
  }
  if (!queue_.empty() && !flush_timer_.isActive()) flush_timer_.start();
}

void UserFetcher::fetch(const std::vector<core::UserId>& ids) {
  for (const core::UserId id : ids) {
    if (id.is_valid()) enqueue(id);
  }
  if (!queue_.empty() && !flush_timer_.isActive()) flush_timer_.start();
}

void UserFetcher::refresh(const std::vector<core::UserId>& ids, std::function<void()> done) {
  for (const core::UserId id : ids) {
    if (id.is_valid()) enqueue(id);
  }
  flush();
  std::vector<int> requests;
  for (const core::UserId id : ids) {
    const auto it = in_flight_.find(id);
    if (it != in_flight_.end() &&
        std::find(requests.begin(), requests.end(), it->second) == requests.end()) {
      requests.push_back(it->second);
    }
  }
  if (requests.empty()) {
    if (done) done();
    return;
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->remaining = static_cast<int>(requests.size());
  waiter->done = std::move(done);
  for (const int request : requests) waiters_[request].push_back(waiter);
}

void UserFetcher::reset() {
  flush_timer_.stop();
  queue_.clear();
  queued_.clear();
  in_flight_.clear();
  waiters_.clear();
  missing_.clear();
}

void UserFetcher::enqueue(core::UserId id) {
  if (queued_.contains(id) || in_flight_.contains(id)) return;
  queued_.insert(id);
  queue_.push_back(id);
}

void UserFetcher::flush() {
  flush_timer_.stop();
  if (!core_.authenticated || queue_.empty()) return;
  const std::size_t per_request = std::clamp<std::size_t>(
      core_.connection->server_hello().limits.max_ids_per_request, 1, kMaxPerRequest);
  std::vector<core::UserId> queue = std::move(queue_);
  queue_.clear();
  queued_.clear();
  for (std::size_t from = 0; from < queue.size(); from += per_request) {
    const std::size_t to = std::min(queue.size(), from + per_request);
    send({queue.begin() + static_cast<std::ptrdiff_t>(from),
          queue.begin() + static_cast<std::ptrdiff_t>(to)});
  }
}

void UserFetcher::send(std::vector<core::UserId> ids) {
  const int request = ++next_request_;
  for (const core::UserId id : ids) in_flight_[id] = request;
  protocol::GetUsers body{ids};
  core_.call<protocol::UsersResult>(
      std::move(body),
      [this, request, ids = std::move(ids)](core::Result<protocol::UsersResult> result) {
        for (const core::UserId id : ids) {
          const auto it = in_flight_.find(id);
          if (it != in_flight_.end() && it->second == request) in_flight_.erase(it);
        }
        if (result.ok()) {
          std::unordered_set<core::UserId> found;
          for (const auto& user : result.value().users) found.insert(user.user.id);
          for (const core::UserId id : ids) {
            if (!found.contains(id)) missing_.insert(id);
          }
          core_.save_users(result.value().users);
        } else {
          qCInfo(lcUsers) << "user.get failed:" << QString::fromStdString(result.error().message);
          if (is_transient(result.error())) {
            // Asked again with the next request, at the latest after the next login (not at
            // once: a server that cannot answer now would be asked in a tight loop).
            for (const core::UserId id : ids) {
              if (!core_.users.contains(id)) enqueue(id);
            }
          }
        }
        finish(request);
      });
}

void UserFetcher::finish(int request) {
  auto node = waiters_.extract(request);
  if (node.empty()) return;
  for (const auto& waiter : node.mapped()) {
    if (--waiter->remaining == 0 && waiter->done) waiter->done();
  }
}

}  // namespace messenger::client::detail
