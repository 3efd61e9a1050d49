#include "events.h"

#include <QLoggingCategory>
#include <utility>
#include <variant>
#include <vector>

#include "session_core.h"
#include "sync.h"
#include "typing.h"
#include "user_fetcher.h"

namespace messenger::client::detail {
namespace {

Q_LOGGING_CATEGORY(lcEvents, "messenger.client.events")

}  // namespace

Events::Events(SessionCore& core, Sync& sync, Typing& typing, UserFetcher& users)
    : core_(core), sync_(sync), typing_(typing), users_(users) {}

void Events::handle(const protocol::ServerEvent& event) {
  if (!core_.cache) return;  // signed out while the socket closes
  std::visit([this](const auto& e) { on(e); }, event);
}

void Events::reset() {
  unknown_.clear();
}

void Events::apply_message(const core::Message& message) {
  const core::ConversationId id = message.conversation_id;
  core_.apply_messages(id, {message});
  if (!core_.advance_synced_rev(id, message.rev)) sync_.catch_up(id, true);
}

void Events::announce(const core::Message& message) {
  // My own messages come as events too when sent from my other devices.
  if (message.sender_id != core_.me.user.id) emit core_.q.messageReceived(message);
}

void Events::on(const protocol::MessageNewEvent& event) {
  const core::Message& message = event.message;
  typing_.stopped(message.conversation_id, message.sender_id);
  if (!core_.row(message.conversation_id)) {
    fetch_conversation(message);
    return;
  }
  apply_message(message);
  announce(message);
}

void Events::fetch_conversation(const core::Message& message) {
  const core::ConversationId id = message.conversation_id;
  users_.want({message.sender_id});
  auto [it, first] = unknown_.try_emplace(id);
  if (it->second.size() < kMaxWaitingMessages) it->second.push_back(message);
  if (!first) return;  // its conv.get is out
  core_.call<protocol::ConversationResult>(
      protocol::GetConversation{id}, [this, id](core::Result<protocol::ConversationResult> result) {
        auto node = unknown_.extract(id);
        if (node.empty()) return;
        if (!result.ok()) {
          // not_member: removed meanwhile; unavailable: the next conv.list brings it.
          qCInfo(lcEvents) << "conv.get of conversation" << id.value()
                           << "failed:" << QString::fromStdString(result.error().message);
          return;
        }
        take_conversation(result.value().conversation, false);
        // The catch-up brings its history with the waiting messages (so that the unread count
        // comes out as for any new conversation); they are applied again in case it could not.
        sync_.catch_up(id, false,
                       [this, guard = core_.guard(), waiting = std::move(node.mapped())] {
                         if (!guard) return;
                         for (const core::Message& waited : waiting) {
                           if (!core_.row(waited.conversation_id)) return;  // removed meanwhile
                           apply_message(waited);
                           announce(waited);
                         }
                       });
      });
}

void Events::on(const protocol::MessageUpdatedEvent& event) {
  apply_message(event.message);
}

void Events::on(const protocol::ReadUpdatedEvent& event) {
  // Sent only for my own marker, moved on another of my devices.
  if (event.user_id != core_.me.user.id) return;
  if (auto it = core_.pending_reads.find(event.conversation_id);
      it != core_.pending_reads.end() && it->second <= event.seq) {
    core_.pending_reads.erase(it);
  }
  core_.set_read(event.conversation_id, event.seq);
}

void Events::take_conversation(const protocol::ConversationDetails& details, bool catch_up) {
  core_.upsert_details(details);
  std::vector<core::UserId> members;
  for (const auto& member : details.members) members.push_back(member.user_id);
  users_.want(members);
  if (catch_up) sync_.catch_up(details.conversation.id, false);
}

void Events::on(const protocol::ConversationAddedEvent& event) {
  take_conversation(event.conversation, true);
}

void Events::on(const protocol::ConversationUpdatedEvent& event) {
  take_conversation(event.conversation, !core_.row(event.conversation.conversation.id));
}

void Events::on(const protocol::ConversationRemovedEvent& event) {
  core_.remove_conversation(event.conversation_id);
}

void Events::on(const protocol::TypingEvent& event) {
  if (event.user_id == core_.me.user.id) return;
  users_.want({event.user_id});
  typing_.typed(event.conversation_id, event.user_id);
}

void Events::on(const protocol::PresenceEvent& event) {
  const auto it = core_.users.find(event.user_id);
  if (it == core_.users.end()) {
    users_.want({event.user_id});  // comes with its presence
    return;
  }
  protocol::UserView user = it->second;
  user.presence = event.state;
  user.user.last_seen = event.last_seen;
  core_.save_users({user});
}

void Events::on(const protocol::UserUpdatedEvent& event) {
  core_.save_users({event.user});
}

void Events::on(const protocol::SettingsUpdatedEvent& event) {
  // Replaced on another device: the newest document wins, also over an unsent local change.
  core_.settings_dirty = false;
  core_.apply_settings(settings_from_json(event.settings_json));
}

}  // namespace messenger::client::detail
