#pragma once

#include <unordered_map>
#include <vector>

#include "messenger/protocol/server_frame.h"

namespace messenger::client::detail {

struct SessionCore;
class Sync;
class Typing;
class UserFetcher;

/// Applies the server's events (docs/protocol.md, "Events") to the cache, the models and the
/// Session's signals. A message event whose revision does not follow the cached one directly
/// asks the sync for the missed changes of that conversation. Users an event names that are not
/// known yet are fetched. A message.new for a conversation not known yet (it overtook its
/// conversation.added) fetches the conversation with conv.get and catches it up; its messages
/// are applied and announced after that.
class Events {
 public:
  /// Kept per unknown conversation while conv.get is out; more are left to the catch-up (only
  /// their messageReceived is lost).
  static constexpr std::size_t kMaxWaitingMessages = 100;

  Events(SessionCore& core, Sync& sync, Typing& typing, UserFetcher& users);

  void handle(const protocol::ServerEvent& event);
  /// Signed out: forgets the messages waiting for their conversation.
  void reset();

 private:
  void on(const protocol::MessageNewEvent& event);
  void on(const protocol::MessageUpdatedEvent& event);
  void on(const protocol::ReadUpdatedEvent& event);
  void on(const protocol::ConversationAddedEvent& event);
  void on(const protocol::ConversationUpdatedEvent& event);
  void on(const protocol::ConversationRemovedEvent& event);
  void on(const protocol::TypingEvent& event);
  void on(const protocol::PresenceEvent& event);
  void on(const protocol::UserUpdatedEvent& event);
  void on(const protocol::SettingsUpdatedEvent& event);

  void apply_message(const core::Message& message);
  /// messageReceived for a message from someone else.
  void announce(const core::Message& message);
  /// A new message in a conversation that is not in the list.
  void fetch_conversation(const core::Message& message);
  void take_conversation(const protocol::ConversationDetails& details, bool catch_up);

  SessionCore& core_;
  Sync& sync_;
  Typing& typing_;
  UserFetcher& users_;
  /// Conversations being fetched with conv.get, with their messages that came meanwhile.
  std::unordered_map<core::ConversationId, std::vector<core::Message>> unknown_;
};

}  // namespace messenger::client::detail
