#include "session_registry.h"

#include <unordered_map>
#include <vector>

namespace messenger::net {

bool SessionRegistry::add(std::int64_t id, std::weak_ptr<Stoppable> session,
                          const Stoppable* self) {
  std::lock_guard lock(mutex_);
  sessions_.insert_or_assign(id, Entry{std::move(session), self});
  return !stopping_;
}

void SessionRegistry::remove(std::int64_t id, const Stoppable* self) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it != sessions_.end() && it->second.self == self) {
    sessions_.erase(it);
    if (sessions_.empty()) {
      empty_.notify_all();
    }
  }
}

template <typename F>
void SessionRegistry::for_each(F&& f) {
  std::vector<std::shared_ptr<Stoppable>> alive;
  {
    std::lock_guard lock(mutex_);
    alive.reserve(sessions_.size());
    for (auto& [id, entry] : sessions_) {
      if (auto session = entry.session.lock()) {
        alive.push_back(std::move(session));
      }
    }
  }
  // Outside the lock: a session may remove itself from the registry while we call it.
  for (auto& session : alive) {
    f(*session);
  }
}

void SessionRegistry::shutdown_all() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  for_each([](Stoppable& s) { s.shutdown(); });
}

void SessionRegistry::abort_all() {
  for_each([](Stoppable& s) { s.abort(); });
}

bool SessionRegistry::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  // A session destroyed without removing itself (its io_context went away) counts as gone.
  return empty_.wait_for(lock, timeout, [this] {
    std::erase_if(sessions_, [](const auto& item) { return item.second.session.expired(); });
    return sessions_.empty();
  });
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace messenger::net
