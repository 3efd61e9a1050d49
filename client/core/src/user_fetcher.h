#pragma once

#include <QTimer>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "messenger/core/ids.h"

namespace messenger::client::detail {

struct SessionCore;

/// Every user.get of the Session. Ids asked for during one turn of the event loop go out
/// together after it, at most min(max_ids_per_request, 1000) per request; an id is never in two
/// requests at once. Profiles that arrive go through SessionCore::save_users() (cache, rows,
/// names, userChanged). Ids the server does not know are remembered and not asked for again
/// automatically. While the socket is not logged in, ids wait for the next login's refresh().
class UserFetcher {
 public:
  static constexpr std::size_t kMaxPerRequest = 1000;

  explicit UserFetcher(SessionCore& core);

  /// The ids among `ids` that are neither known nor known to be missing: fetched after this
  /// turn of the event loop.
  void want(const std::vector<core::UserId>& ids);
  /// `ids` whether known or not (a profile card wants them fresh): fetched after this turn.
  void fetch(const std::vector<core::UserId>& ids);
  /// `ids` whether known or not, and whatever waits: sent now. `done` runs once every request
  /// that carries one of them has been answered or has failed (at once when there is nothing
  /// to send, e.g. not logged in).
  void refresh(const std::vector<core::UserId>& ids, std::function<void()> done);
  /// Signed out: forgets everything; replies of the old account are ignored (SessionCore::call).
  void reset();

 private:
  /// A refresh() waiting for its requests.
  struct Waiter {
    int remaining = 0;
    std::function<void()> done;
  };

  void enqueue(core::UserId id);
  /// Sends what waits, if the socket is logged in.
  void flush();
  void send(std::vector<core::UserId> ids);
  /// Request `request` was answered or failed: its waiters move on.
  void finish(int request);

  SessionCore& core_;
  std::vector<core::UserId> queue_;  // in the order asked for
  std::unordered_set<core::UserId> queued_;
  std::unordered_map<core::UserId, int> in_flight_;                        // id -> request number
  std::unordered_map<int, std::vector<std::shared_ptr<Waiter>>> waiters_;  // by request number
  std::unordered_set<core::UserId> missing_;  // left out of a user.get result
  int next_request_ = 0;
  QTimer flush_timer_;
};

}  // namespace messenger::client::detail
