// Presence (online / away / offline with last seen) and typing notices. Neither is stored,
// except a user's last-seen time when their last connection goes.

#include "service_impl.h"

namespace messenger::service {

protocol::PresenceState Service::Impl::presence_of(UserId user) const {
  auto it = user_connections_.find(user);
  if (it == user_connections_.end() || it->second.empty()) return protocol::PresenceState::offline;
  for (ConnectionId id : it->second) {
    auto c = connections_.find(id);
    if (c != connections_.end() && c->second.presence == protocol::PresenceState::online) {
      return protocol::PresenceState::online;
    }
  }
  return protocol::PresenceState::away;
}

void Service::Impl::presence_changed(UserId user, protocol::PresenceState before,
                                     const core::User* current) {
  const auto now_state = presence_of(user);
  if (now_state == before) return;
  protocol::PresenceEvent event{user, now_state, 0};
  if (now_state == protocol::PresenceState::offline) {
    event.last_seen = clock_.now_ms();
    if (!check_storage(store_.set_last_seen(user, event.last_seen)).ok()) return;
  } else if (current != nullptr) {
    event.last_seen = current->last_seen;
  } else {
    auto stored = store_.find_user(user);
    if (stored.ok() && stored.value()) event.last_seen = stored.value()->last_seen;
  }
  auto contacts = store_.contacts_of(user);
  if (!contacts.ok()) {
    note_failure(contacts.error());
    return;
  }
  const auto frame = make_frame(protocol::encode_event(event));
  send_to_users(contacts.value(), frame);
  send_to_user(user, frame);
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::SetPresence& r) {
  if (r.state == protocol::PresenceState::offline) {
    return Error{Errc::bad_request, "field 'state' must be \"online\" or \"away\""};
  }
  auto* state = connection(ctx.connection_id);
  const auto before = presence_of(state->user);
  state->presence = r.state;
  presence_changed(state->user, before);
  reply(ctx, protocol::EmptyResult{});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Typing& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  if (conversation->archived) return Error{Errc::archived, "the conversation is archived"};
  auto* state = connection(ctx.connection_id);
  const auto now = clock_.steady_now();
  auto [it, inserted] = state->last_typing.try_emplace(r.conversation_id, now);
  if (!inserted) {
    if (now - it->second < config_.typing_interval) {
      reply(ctx, protocol::TypingResult{false});
      return core::Ok{};
    }
    it->second = now;
  }
  auto members = member_ids(r.conversation_id);
  if (!members.ok()) return members.error();
  const UserId me = state->user;
  std::erase(members.value(), me);
  send_to_users(members.value(),
                make_frame(protocol::encode_event(protocol::TypingEvent{r.conversation_id, me})));
  reply(ctx, protocol::TypingResult{true});
  return core::Ok{};
}

}  // namespace messenger::service
