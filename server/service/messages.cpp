// Sending, history, catch-up, edits, deletes and read markers. A send is acknowledged and fanned
// out only when its batch commits (see Service::Impl::run_batch).

#include <algorithm>
#include <utility>

#include "service_impl.h"

namespace messenger::service {

Status Service::Impl::handle(const RequestContext& ctx, const protocol::SendMessage& r) {
  const UserId me = caller(ctx);
  // Insert first: a retry is rare, so the store's unique (sender, client_msg_id) constraint finds
  // it (Errc::conflict, nothing written, no seq taken) instead of a lookup before every send.
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return retry_or(ctx, me, r.client_msg_id, conversation.error());
  if (conversation->archived) {
    return retry_or(ctx, me, r.client_msg_id,
                    Error{Errc::archived, "the conversation is archived"});
  }
  const storage::NewMessage incoming{r.conversation_id, me, r.client_msg_id, r.text,
                                     clock_.now_ms()};
  auto stored = store_.append_messages(std::span(&incoming, 1));
  if (!stored.ok()) {
    return retry_or(ctx, me, r.client_msg_id, check_storage(stored.error()).error());
  }
  count_message_stored(ctx);

  auto members = member_ids(r.conversation_id);
  if (!members.ok()) return members.error();
  // The stored message moves into the event and then into the reply: no copy of its text.
  protocol::MessageNewEvent event{std::move(stored->front())};
  const auto before = outputs_size();
  send_to_users(members.value(), make_frame(protocol::encode_event(event)), ctx.connection_id);
  count_delivery(outputs_size() - before);
  reply(ctx, protocol::MessageResult{std::move(event.message), false});
  return core::Ok{};
}

Status Service::Impl::retry_or(const RequestContext& ctx, UserId sender,
                               std::string_view client_msg_id, const Error& error) {
  // A retry of a message that is already stored gets that message back, whatever happened to
  // the conversation since (the sender may have left it, or it may be archived now).
  if (error.code == Errc::unavailable || error.code == Errc::internal) return error;
  auto existing = store_.find_message_by_client_id(sender, client_msg_id);
  if (!existing.ok()) return check_storage(existing.error());
  if (!existing.value()) return error;
  reply(ctx, protocol::MessageResult{std::move(*existing.value()), true});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::GetHistory& r) {
  if (r.before && r.after) {
    return Error{Errc::bad_request, "give at most one of 'before' and 'after'"};
  }
  auto conversation = load_readable(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  storage::HistoryQuery query;
  query.direction = r.after ? storage::HistoryDirection::after : storage::HistoryDirection::before;
  query.anchor = r.after ? *r.after : r.before.value_or(core::Seq{});
  query.limit = r.limit + 1;  // one more tells whether there is more
  auto messages = store_.history(r.conversation_id, query);
  if (!messages.ok()) return messages.error();
  protocol::MessagesResult result;
  result.messages = std::move(messages.value());
  if (result.messages.size() > static_cast<std::size_t>(r.limit)) {
    result.has_more = true;
    // "before" pages are the newest ones below the anchor: drop the oldest.
    if (query.direction == storage::HistoryDirection::before) {
      result.messages.erase(result.messages.begin());
    } else {
      result.messages.pop_back();
    }
  }
  reply(ctx, result);
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::SyncChanges& r) {
  auto conversation = load_readable(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  auto messages = store_.changes_since(r.conversation_id, r.after_rev, r.limit + 1);
  if (!messages.ok()) return messages.error();
  protocol::MessagesResult result;
  result.messages = std::move(messages.value());
  if (result.messages.size() > static_cast<std::size_t>(r.limit)) {
    result.has_more = true;
    result.messages.pop_back();
  }
  reply(ctx, result);
  return core::Ok{};
}

Status Service::Impl::change_message(const RequestContext& ctx, ConversationId conversation_id,
                                     core::Seq seq, std::optional<std::string_view> new_text) {
  auto conversation = load_membership(ctx, conversation_id);
  if (!conversation.ok()) return conversation.error();
  if (conversation->archived) return Error{Errc::archived, "the conversation is archived"};
  auto message = store_.find_message(conversation_id, seq);
  if (!message.ok()) return message.error();
  if (!message.value() || message.value()->deleted) {
    return Error{Errc::not_found, "no such message"};
  }
  if (message.value()->sender_id != caller(ctx)) {
    return Error{Errc::forbidden, "you can only change your own messages"};
  }
  auto changed = store_.update_message(conversation_id, seq, new_text, clock_.now_ms());
  if (!changed.ok()) return check_storage(changed.error());
  auto members = member_ids(conversation_id);
  if (!members.ok()) return members.error();
  send_to_users(members.value(),
                make_frame(protocol::encode_event(protocol::MessageUpdatedEvent{changed.value()})),
                ctx.connection_id);
  reply(ctx, protocol::MessageResult{std::move(changed.value()), false});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::EditMessage& r) {
  return change_message(ctx, r.conversation_id, r.seq, r.text);
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::DeleteMessage& r) {
  return change_message(ctx, r.conversation_id, r.seq, std::nullopt);
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::MarkRead& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  const UserId me = caller(ctx);
  auto member = store_.find_member(r.conversation_id, me);
  if (!member.ok()) return member.error();
  // Markers only move forward, and never past the newest message.
  const core::Seq target = std::min(r.seq, conversation->last_seq);
  if (member.value() && target > member.value()->last_read) {
    MESSENGER_TRY(check_storage(store_.set_last_read(r.conversation_id, me, target)));
    send_to_user(me,
                 make_frame(protocol::encode_event(
                     protocol::ReadUpdatedEvent{r.conversation_id, me, target})),
                 ctx.connection_id);
  }
  reply(ctx, protocol::EmptyResult{});
  return core::Ok{};
}

Result<core::Conversation> Service::Impl::load_readable(const RequestContext& ctx,
                                                        ConversationId id) {
  auto conversation = load_conversation(id);
  if (!conversation.ok()) return conversation;
  // Public channels can be read before joining, as in every team messenger.
  if (conversation->kind == core::ConversationKind::channel) return conversation;
  return load_membership(ctx, id);
}

}  // namespace messenger::service
