#pragma once

#include <QTimer>
#include <chrono>
#include <functional>
#include <unordered_map>
#include <vector>

#include "messenger/core/ids.h"

namespace messenger::client::detail {

/// Typing notices both ways: who is typing in each conversation (each notice shown for
/// kShowFor unless repeated), and when this user may send the next notice (at most one per
/// kSendEvery per conversation).
class Typing {
 public:
  static constexpr std::chrono::milliseconds kShowFor{6'000};
  static constexpr std::chrono::milliseconds kSendEvery{3'000};

  /// `changed` is called for a conversation whose list of typing users changed.
  explicit Typing(std::function<void(core::ConversationId)> changed);

  void typed(core::ConversationId id, core::UserId user);
  /// The user's message arrived: the notice has done its job.
  void stopped(core::ConversationId id, core::UserId user);
  [[nodiscard]] std::vector<core::UserId> users(core::ConversationId id) const;

  /// True (and remembered) when a notice for `id` may be sent now.
  bool may_send(core::ConversationId id);

  /// Forgets everything (sign-out); no `changed` calls.
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  void expire();
  void schedule();

  std::function<void(core::ConversationId)> changed_;
  std::unordered_map<core::ConversationId, std::unordered_map<core::UserId, Clock::time_point>>
      shown_;
  std::unordered_map<core::ConversationId, Clock::time_point> sent_;
  QTimer timer_;
};

}  // namespace messenger::client::detail
