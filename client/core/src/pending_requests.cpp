#include "pending_requests.h"

#include <algorithm>

namespace messenger::client::detail {

using std::chrono::milliseconds;

PendingRequests::PendingRequests(std::function<void()> on_deadline) {
  timer_.setSingleShot(true);
  QObject::connect(&timer_, &QTimer::timeout, &timer_, std::move(on_deadline));
}

void PendingRequests::add(std::int64_t id, Handler handler, milliseconds timeout) {
  const auto deadline = Clock::now() + std::max(timeout, milliseconds(0));
  by_id_.insert_or_assign(id, Entry{std::move(handler), deadline, timeout});
  deadlines_.emplace(deadline, id);
  arm_timer();
}

PendingRequests::Handler PendingRequests::take(std::int64_t id) {
  auto node = by_id_.extract(id);
  if (node.empty()) {
    return {};
  }
  deadlines_.erase({node.mapped().deadline, id});
  arm_timer();
  return std::move(node.mapped().handler);
}

std::vector<PendingRequests::Expired> PendingRequests::take_expired() {
  const auto now = Clock::now();
  std::vector<Expired> expired;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    auto node = by_id_.extract(deadlines_.begin()->second);
    deadlines_.erase(deadlines_.begin());
    if (!node.empty()) {
      expired.push_back(Expired{std::move(node.mapped().handler), node.mapped().timeout});
    }
  }
  arm_timer();  // a coarse timer may fire a little early: wait for the rest
  return expired;
}

std::vector<PendingRequests::Handler> PendingRequests::take_all() {
  std::vector<Handler> all;
  all.reserve(by_id_.size());
  for (auto& [id, entry] : by_id_) {
    all.push_back(std::move(entry.handler));
  }
  by_id_.clear();
  deadlines_.clear();
  timer_.stop();
  return all;
}

void PendingRequests::arm_timer() {
  if (deadlines_.empty()) {
    timer_.stop();
    return;
  }
  const auto left = std::chrono::ceil<milliseconds>(deadlines_.begin()->first - Clock::now());
  timer_.start(std::max(left, milliseconds(0)));
}

}  // namespace messenger::client::detail
