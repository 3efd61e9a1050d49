// Direct conversations, private groups and public channels: creating, finding, membership,
// renaming and archiving. Every change is pushed to the members' connections.

#include <algorithm>
#include <set>

#include "service_impl.h"

namespace messenger::service {

using core::ConversationKind;
using core::MemberRole;

namespace {

Status require_not_direct(const core::Conversation& c, std::string_view what) {
  if (c.kind == ConversationKind::direct) {
    return Error{Errc::bad_request,
                 std::string("direct conversations cannot ") + std::string(what)};
  }
  return core::Ok{};
}

Status require_not_archived(const core::Conversation& c) {
  if (c.archived) return Error{Errc::archived, "the conversation is archived and read-only"};
  return core::Ok{};
}

}  // namespace

Result<bool> Service::Impl::may_manage(const RequestContext& ctx, ConversationId id) {
  const UserId me = caller(ctx);
  auto member = store_.find_member(id, me);
  if (!member.ok()) return member.error();
  if (member.value() && member.value()->role == MemberRole::owner) return true;
  auto user = load_user(me);
  if (!user.ok()) return user.error();
  return user->is_admin;
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::OpenDirect& r) {
  const UserId me = caller(ctx);
  if (r.user_id == me) {
    return Error{Errc::bad_request, "a direct conversation needs another person"};
  }
  auto other = load_user(r.user_id);
  if (!other.ok()) return other.error();
  auto existing = store_.find_direct(me, r.user_id);
  if (!existing.ok()) return existing.error();
  if (existing.value()) {
    auto conversation = load_conversation(*existing.value());
    if (!conversation.ok()) return conversation.error();
    auto d = details(conversation.value());
    if (!d.ok()) return d.error();
    reply(ctx, protocol::ConversationResult{std::move(d.value())});
    return core::Ok{};
  }
  const auto now = clock_.now_ms();
  core::Conversation conversation;
  conversation.kind = ConversationKind::direct;
  conversation.created_by = me;
  conversation.created_at = now;
  conversation.last_activity = now;
  std::vector<core::Member> members{{me, MemberRole::member, core::Seq{}, now},
                                    {r.user_id, MemberRole::member, core::Seq{}, now}};
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
  auto created = store_.create_conversation(conversation, members);
  if (!created.ok()) return check_storage(created.error());
  protocol::ConversationDetails d{created.value(), members};
  send_to_users({me, r.user_id},
                make_frame(protocol::encode_event(protocol::ConversationAddedEvent{d})),
                ctx.connection_id);
  reply(ctx, protocol::ConversationResult{std::move(d)});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::CreateConversation& r) {
  if (r.kind == ConversationKind::direct) {
    return Error{Errc::bad_request, "use conv.open_direct for direct conversations"};
  }
  if (r.name.empty()) return Error{Errc::bad_request, "field 'name' must not be empty"};
  const UserId me = caller(ctx);
  std::set<UserId> ids(r.member_ids.begin(), r.member_ids.end());
  ids.erase(me);
  const std::vector<UserId> wanted(ids.begin(), ids.end());
  auto found = store_.get_users(wanted);
  if (!found.ok()) return found.error();
  if (found->size() != wanted.size()) {
    return Error{Errc::not_found, "field 'member_ids' names a user that does not exist"};
  }
  const auto now = clock_.now_ms();
  core::Conversation conversation;
  conversation.kind = r.kind;
  conversation.name = r.name;
  conversation.topic = r.topic;
  conversation.created_by = me;
  conversation.created_at = now;
  conversation.last_activity = now;
  std::vector<core::Member> members;
  members.push_back({me, MemberRole::owner, core::Seq{}, now});
  for (UserId id : wanted) members.push_back({id, MemberRole::member, core::Seq{}, now});
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
  auto created = store_.create_conversation(conversation, members);
  if (!created.ok()) return check_storage(created.error());
  protocol::ConversationDetails d{created.value(), members};
  std::vector<UserId> everyone(wanted);
  everyone.push_back(me);
  send_to_users(everyone, make_frame(protocol::encode_event(protocol::ConversationAddedEvent{d})),
                ctx.connection_id);
  reply(ctx, protocol::ConversationResult{std::move(d)});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::ListConversations&) {
  const UserId me = caller(ctx);
  auto conversations = store_.conversations_of(me);
  if (!conversations.ok()) return conversations.error();
  protocol::ConversationListResult result;
  result.conversations.reserve(conversations->size());
  for (auto& conversation : conversations.value()) {
    auto d = details(conversation);
    if (!d.ok()) return d.error();
    protocol::ConversationSummary summary;
    for (const auto& m : d->members) {
      if (m.user_id == me) summary.last_read = m.last_read;
    }
    auto last = store_.history(conversation.id, {storage::HistoryDirection::before, {}, 1});
    if (!last.ok()) return last.error();
    if (!last->empty()) summary.last_message = last->back();
    auto unread = store_.count_unread(conversation.id, me, summary.last_read);
    if (!unread.ok()) return unread.error();
    summary.unread = unread.value();
    summary.conversation = std::move(d.value());
    result.conversations.push_back(std::move(summary));
  }
  reply(ctx, result);
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::GetConversation& r) {
  auto conversation = load_conversation(r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  if (conversation->kind != ConversationKind::channel) {
    auto member = load_membership(ctx, r.conversation_id);
    if (!member.ok()) return member.error();
  }
  auto d = details(conversation.value());
  if (!d.ok()) return d.error();
  reply(ctx, protocol::ConversationResult{std::move(d.value())});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::BrowseChannels& r) {
  auto channels = store_.public_channels(r.query, r.limit);
  if (!channels.ok()) return channels.error();
  const UserId me = caller(ctx);
  protocol::ChannelsResult result;
  for (auto& channel : channels.value()) {
    auto count = store_.count_members(channel.id);
    if (!count.ok()) return count.error();
    auto member = store_.find_member(channel.id, me);
    if (!member.ok()) return member.error();
    result.channels.push_back({std::move(channel), count.value(), member.value().has_value()});
  }
  reply(ctx, result);
  return core::Ok{};
}

Status Service::Impl::publish_conversation(const RequestContext& ctx,
                                           const core::Conversation& conversation) {
  auto d = details(conversation);
  if (!d.ok()) return d.error();
  std::vector<UserId> members;
  for (const auto& m : d->members) members.push_back(m.user_id);
  send_to_users(members,
                make_frame(protocol::encode_event(protocol::ConversationUpdatedEvent{d.value()})),
                ctx.connection_id);
  reply(ctx, protocol::ConversationResult{std::move(d.value())});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::RenameConversation& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  MESSENGER_TRY(require_not_direct(conversation.value(), "be renamed"));
  MESSENGER_TRY(require_not_archived(conversation.value()));
  if (r.name.empty()) return Error{Errc::bad_request, "field 'name' must not be empty"};
  auto allowed = may_manage(ctx, r.conversation_id);
  if (!allowed.ok()) return allowed.error();
  if (!allowed.value())
    return Error{Errc::forbidden, "only an owner or an administrator can rename"};
  conversation->name = r.name;
  MESSENGER_TRY(check_storage(store_.update_conversation(conversation.value())));
  return publish_conversation(ctx, conversation.value());
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::SetTopic& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  MESSENGER_TRY(require_not_direct(conversation.value(), "have a topic"));
  MESSENGER_TRY(require_not_archived(conversation.value()));
  conversation->topic = r.topic;
  MESSENGER_TRY(check_storage(store_.update_conversation(conversation.value())));
  return publish_conversation(ctx, conversation.value());
}

Status Service::Impl::add_members(const RequestContext& ctx, const core::Conversation& conversation,
                                  const std::vector<UserId>& users) {
  const auto now = clock_.now_ms();
  for (UserId user : users) {
    MESSENGER_TRY(check_storage(
        store_.add_member(conversation.id, {user, MemberRole::member, core::Seq{}, now})));
  }
  auto d = details(conversation);
  if (!d.ok()) return d.error();
  std::vector<UserId> existing;
  for (const auto& m : d->members) {
    if (std::find(users.begin(), users.end(), m.user_id) == users.end()) {
      existing.push_back(m.user_id);
    }
  }
  send_to_users(users,
                make_frame(protocol::encode_event(protocol::ConversationAddedEvent{d.value()})),
                ctx.connection_id);
  send_to_users(existing,
                make_frame(protocol::encode_event(protocol::ConversationUpdatedEvent{d.value()})),
                ctx.connection_id);
  reply(ctx, protocol::ConversationResult{std::move(d.value())});
  return core::Ok{};
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Invite& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  MESSENGER_TRY(require_not_direct(conversation.value(), "take more members"));
  MESSENGER_TRY(require_not_archived(conversation.value()));
  std::set<UserId> ids(r.user_ids.begin(), r.user_ids.end());
  const std::vector<UserId> wanted(ids.begin(), ids.end());
  auto found = store_.get_users(wanted);
  if (!found.ok()) return found.error();
  if (found->size() != wanted.size()) {
    return Error{Errc::not_found, "field 'user_ids' names a user that does not exist"};
  }
  std::vector<UserId> added;
  for (UserId id : wanted) {
    auto member = store_.find_member(r.conversation_id, id);
    if (!member.ok()) return member.error();
    if (!member.value()) added.push_back(id);
  }
  return add_members(ctx, conversation.value(), added);
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Join& r) {
  auto conversation = load_conversation(r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  if (conversation->kind != ConversationKind::channel) {
    return Error{Errc::forbidden, "only public channels can be joined; ask a member to invite you"};
  }
  MESSENGER_TRY(require_not_archived(conversation.value()));
  auto member = store_.find_member(r.conversation_id, caller(ctx));
  if (!member.ok()) return member.error();
  if (member.value()) {
    auto d = details(conversation.value());
    if (!d.ok()) return d.error();
    reply(ctx, protocol::ConversationResult{std::move(d.value())});
    return core::Ok{};
  }
  return add_members(ctx, conversation.value(), {caller(ctx)});
}

Status Service::Impl::remove_from(const RequestContext& ctx, const core::Conversation& conversation,
                                  UserId user) {
  MESSENGER_TRY(check_storage(store_.remove_member(conversation.id, user)));
  send_to_user(
      user, make_frame(protocol::encode_event(protocol::ConversationRemovedEvent{conversation.id})),
      ctx.connection_id);
  return publish_conversation(ctx, conversation);
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Leave& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  MESSENGER_TRY(require_not_direct(conversation.value(), "be left"));
  return remove_from(ctx, conversation.value(), caller(ctx));
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::RemoveMember& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  MESSENGER_TRY(require_not_direct(conversation.value(), "lose members"));
  if (r.user_id == caller(ctx)) return Error{Errc::bad_request, "use conv.leave to leave"};
  auto allowed = may_manage(ctx, r.conversation_id);
  if (!allowed.ok()) return allowed.error();
  if (!allowed.value()) {
    return Error{Errc::forbidden, "only an owner or an administrator can remove members"};
  }
  auto member = store_.find_member(r.conversation_id, r.user_id);
  if (!member.ok()) return member.error();
  if (!member.value()) return Error{Errc::not_found, "that user is not a member"};
  return remove_from(ctx, conversation.value(), r.user_id);
}

Status Service::Impl::handle(const RequestContext& ctx, const protocol::Archive& r) {
  auto conversation = load_membership(ctx, r.conversation_id);
  if (!conversation.ok()) return conversation.error();
  MESSENGER_TRY(require_not_direct(conversation.value(), "be archived"));
  auto allowed = may_manage(ctx, r.conversation_id);
  if (!allowed.ok()) return allowed.error();
  if (!allowed.value())
    return Error{Errc::forbidden, "only an owner or an administrator can archive"};
  if (conversation->archived) return publish_conversation(ctx, conversation.value());
  conversation->archived = true;
  MESSENGER_TRY(check_storage(store_.update_conversation(conversation.value())));
  return publish_conversation(ctx, conversation.value());
}

}  // namespace messenger::service
