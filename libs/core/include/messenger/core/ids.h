#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace messenger::core {

/// A typed integer identifier. Construction is explicit and different tags never convert into
/// each other, so a UserId cannot be passed where a ConversationId is expected.
template <typename Tag>
class StrongId {
 public:
  constexpr StrongId() = default;
  constexpr explicit StrongId(std::int64_t value) : value_(value) {}

  [[nodiscard]] constexpr std::int64_t value() const { return value_; }
  /// Identifiers handed out by a store start at 1; 0 means "none".
  [[nodiscard]] constexpr bool is_valid() const { return value_ > 0; }

  friend constexpr auto operator<=>(StrongId, StrongId) = default;

 private:
  std::int64_t value_ = 0;
};

using UserId = StrongId<struct UserIdTag>;
using ConversationId = StrongId<struct ConversationIdTag>;
/// Position of a message in its conversation: 1, 2, 3, ... without gaps.
using Seq = StrongId<struct SeqTag>;
/// Conversation-wide revision: bumped by every create, edit and delete, so a client catches up
/// on all changes (not only new messages) by asking for what came after the revision it has.
using Rev = StrongId<struct RevTag>;
/// One server-side login (a device). Stored; its token is kept only as a hash.
using AuthSessionId = StrongId<struct AuthSessionIdTag>;
/// One live connection to this server process. Never stored.
using ConnectionId = StrongId<struct ConnectionIdTag>;

}  // namespace messenger::core

template <typename Tag>
struct std::hash<messenger::core::StrongId<Tag>> {
  std::size_t operator()(messenger::core::StrongId<Tag> id) const noexcept {
    return std::hash<std::int64_t>{}(id.value());
  }
};
