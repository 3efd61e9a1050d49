#pragma once

#include <QTimer>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "messenger/client/connection.h"

namespace messenger::client::detail {

/// The requests of a Connection that wait for their reply: by id, each with a deadline, and one
/// timer for the earliest deadline rather than one per request. Hands handlers out instead of
/// calling them, so that the caller decides what to do when a handler closes the connection.
class PendingRequests {
 public:
  using Clock = std::chrono::steady_clock;
  using Handler = Connection::ReplyHandler;

  struct Expired {
    Handler handler;
    std::chrono::milliseconds timeout;
  };

  /// `on_deadline` runs from the event loop when a deadline may have passed; it calls
  /// take_expired().
  explicit PendingRequests(std::function<void()> on_deadline);

  void add(std::int64_t id, Handler handler, std::chrono::milliseconds timeout);
  /// The handler of `id`, removed; empty when there is none (e.g. answered after its timeout).
  Handler take(std::int64_t id);
  /// Every handler whose deadline has passed, removed, earliest deadline first.
  std::vector<Expired> take_expired();
  /// Every handler, removed, in id order.
  std::vector<Handler> take_all();

 private:
  struct Entry {
    Handler handler;
    Clock::time_point deadline;
    std::chrono::milliseconds timeout;
  };

  void arm_timer();

  std::map<std::int64_t, Entry> by_id_;
  std::set<std::pair<Clock::time_point, std::int64_t>> deadlines_;
  QTimer timer_;
};

}  // namespace messenger::client::detail
