#include "typing.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace messenger::client::detail {

Typing::Typing(std::function<void(core::ConversationId)> changed) : changed_(std::move(changed)) {
  timer_.setSingleShot(true);
  QObject::connect(&timer_, &QTimer::timeout, [this] { expire(); });
}

void Typing::typed(core::ConversationId id, core::UserId user) {
  auto& users = shown_[id];
  const bool added = !users.contains(user);
  users[user] = Clock::now() + kShowFor;
  schedule();
  if (added) changed_(id);
}

void Typing::stopped(core::ConversationId id, core::UserId user) {
  const auto it = shown_.find(id);
  if (it == shown_.end() || it->second.erase(user) == 0) return;
  if (it->second.empty()) shown_.erase(it);
  schedule();
  changed_(id);
}

std::vector<core::UserId> Typing::users(core::ConversationId id) const {
  std::vector<core::UserId> list;
  const auto it = shown_.find(id);
  if (it == shown_.end()) return list;
  const auto now = Clock::now();
  for (const auto& [user, until] : it->second) {
    if (until > now) list.push_back(user);
  }
  std::sort(list.begin(), list.end());
  return list;
}

bool Typing::may_send(core::ConversationId id) {
  const auto now = Clock::now();
  auto it = sent_.find(id);
  if (it != sent_.end() && now - it->second < kSendEvery) return false;
  sent_[id] = now;
  return true;
}

void Typing::clear() {
  shown_.clear();
  sent_.clear();
  timer_.stop();
}

void Typing::expire() {
  const auto now = Clock::now();
  std::vector<core::ConversationId> changed;
  for (auto it = shown_.begin(); it != shown_.end();) {
    auto& users = it->second;
    const auto before = users.size();
    std::erase_if(users, [&](const auto& entry) { return entry.second <= now; });
    if (users.size() != before) changed.push_back(it->first);
    it = users.empty() ? shown_.erase(it) : std::next(it);
  }
  schedule();
  for (const auto id : changed) changed_(id);
}

void Typing::schedule() {
  std::optional<Clock::time_point> next;
  for (const auto& [id, users] : shown_) {
    for (const auto& [user, until] : users) {
      if (!next || until < *next) next = until;
    }
  }
  if (!next) {
    timer_.stop();
    return;
  }
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now());
  timer_.start(std::max(wait, std::chrono::milliseconds(0)));
}

}  // namespace messenger::client::detail
