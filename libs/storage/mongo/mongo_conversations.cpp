// Conversations and their members. Members are documents of their own (not an array in the
// conversation): a channel may have thousands, and each member's read marker changes on its own.

#include <fmt/format.h>

#include <algorithm>

#include "mongo_store_impl.h"

namespace messenger::storage::mongo {

using core::ConversationKind;
using core::Errc;
using core::Error;

namespace {

BsonDoc by_id(std::int64_t id) {
  return bson().i64("_id", id);
}

BsonDoc member_filter(ConversationId id, UserId user) {
  return bson().str("_id", member_key(id, user));
}

std::vector<Conversation> conversations_from(const std::vector<BsonDoc>& docs) {
  std::vector<Conversation> out;
  out.reserve(docs.size());
  for (const auto& doc : docs) out.push_back(conversation_from(doc));
  return out;
}

}  // namespace

Result<Conversation> MongoStore::create_conversation(const Conversation& conversation,
                                                     std::span<const Member> members) {
  const bool direct = conversation.kind == ConversationKind::direct;
  if (direct && (members.size() != 2 || members[0].user_id == members[1].user_id)) {
    return Error{Errc::bad_request, "a direct conversation needs exactly two different members"};
  }
  Session session(*this);
  if (direct) {
    auto existing = find_direct(members[0].user_id, members[1].user_id);
    if (!existing.ok()) return existing.error();
    if (*existing) return Error{Errc::conflict, "a direct conversation between these users exists"};
  }
  auto id = next_id(session, "conversations");
  if (!id.ok()) return id.error();
  Conversation created = conversation;
  created.id = ConversationId(*id);
  created.last_seq = Seq();
  created.last_rev = Rev();
  if (created.last_activity == 0) created.last_activity = created.created_at;
  const auto key =
      direct ? direct_key(members[0].user_id, members[1].user_id) : fmt::format("#{}", *id);
  if (auto done = insert(session, collections::conversations, by_id(*id),
                         conversation_document(created, key), "create conversation");
      !done.ok()) {
    if (direct && is_duplicate_key(done.error())) {
      return Error{Errc::conflict, "a direct conversation between these users exists"};
    }
    return done.error();
  }
  for (const auto& member : members) MESSENGER_TRY(add_member(created.id, member));
  return created;
}

Result<std::optional<Conversation>> MongoStore::find_conversation(ConversationId id) {
  Session session(*this);
  MESSENGER_TRY(reconcile_counters(session, id));
  auto found =
      session->find_one(collections::conversations, by_id(id.value()), "find conversation");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<Conversation>{};
  return std::optional<Conversation>(conversation_from(**found));
}

Result<std::optional<ConversationId>> MongoStore::find_direct(UserId a, UserId b) {
  Session session(*this);
  auto found =
      session->find_one(collections::conversations, bson().str("direct_key", direct_key(a, b)),
                        "find direct conversation");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<ConversationId>{};
  return std::optional<ConversationId>(ConversationId((*found)->int64("_id")));
}

Status MongoStore::update_conversation(const Conversation& conversation) {
  Session session(*this);
  return set_fields(session, collections::conversations, by_id(conversation.id.value()),
                    bson()
                        .str("name", conversation.name)
                        .str("topic", conversation.topic)
                        .boolean("archived", conversation.archived),
                    "update conversation");
}

Result<std::vector<Member>> MongoStore::members(ConversationId id) {
  Session session(*this);
  FindOptions options;
  options.sort = bson().i32("user_id", 1);
  auto found = session->find(collections::members, bson().i64("conversation_id", id.value()),
                             options, "list members");
  if (!found.ok()) return found.error();
  std::vector<Member> out;
  out.reserve(found->size());
  for (const auto& doc : *found) out.push_back(member_from(doc));
  return out;
}

Result<std::optional<Member>> MongoStore::find_member(ConversationId id, UserId user) {
  Session session(*this);
  auto found = session->find_one(collections::members, member_filter(id, user), "find member");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<Member>{};
  return std::optional<Member>(member_from(**found));
}

Result<std::int64_t> MongoStore::count_members(ConversationId id) {
  Session session(*this);
  return session->count(collections::members, bson().i64("conversation_id", id.value()),
                        "count members");
}

Status MongoStore::add_member(ConversationId id, const Member& member) {
  Session session(*this);
  return insert(session, collections::members, member_filter(id, member.user_id),
                member_document(id, member), "add member");
}

Status MongoStore::remove_member(ConversationId id, UserId user) {
  Session session(*this);
  auto removed =
      remove_one(session, collections::members, member_filter(id, user), "remove member");
  if (!removed.ok()) return removed.error();
  if (!*removed) return Error{Errc::not_found, "mongodb: remove member: no such member"};
  return core::Ok{};
}

Status MongoStore::set_last_read(ConversationId id, UserId user, Seq seq) {
  Session session(*this);
  return set_fields(session, collections::members, member_filter(id, user),
                    bson().i64("last_read", seq.value()), "set last read");
}

Result<std::vector<std::int64_t>> MongoStore::conversation_ids_of(Session& session, UserId user) {
  FindOptions mine;
  mine.projection = bson().i32("conversation_id", 1);
  auto memberships = session->find(collections::members, bson().i64("user_id", user.value()), mine,
                                   "list memberships of user");
  if (!memberships.ok()) return memberships.error();
  std::vector<std::int64_t> ids;
  ids.reserve(memberships->size());
  for (const auto& doc : *memberships) ids.push_back(doc.int64("conversation_id"));
  return ids;
}

Result<std::vector<Conversation>> MongoStore::conversations_of(UserId user) {
  Session session(*this);
  auto memberships = conversation_ids_of(session, user);
  if (!memberships.ok()) return memberships.error();
  const auto& ids = *memberships;
  if (ids.empty()) return std::vector<Conversation>{};
  for (std::int64_t id : ids) MESSENGER_TRY(reconcile_counters(session, ConversationId(id)));
  FindOptions options;
  options.sort = bson().i32("last_activity", -1).i32("_id", -1);
  auto found = session->find(collections::conversations, bson().doc("_id", in_list(ids)), options,
                             "list conversations of user");
  if (!found.ok()) return found.error();
  return conversations_from(*found);
}

Result<std::vector<Conversation>> MongoStore::public_channels(std::string_view query, int limit) {
  if (limit <= 0) return std::vector<Conversation>{};
  BsonDoc filter;
  filter.str("kind", core::to_string(ConversationKind::channel)).boolean("archived", false);
  if (!query.empty()) {
    filter.doc("name", bson().str("$regex", contains_regex(query)).str("$options", "i"));
  }
  Session session(*this);
  FindOptions options;
  options.sort = bson().i32("name", 1).i32("_id", 1);
  options.limit = limit;
  auto found = session->find(collections::conversations, filter, options, "list public channels");
  if (!found.ok()) return found.error();
  return conversations_from(*found);
}

Result<std::vector<UserId>> MongoStore::contacts_of(UserId user) {
  Session session(*this);
  auto memberships = conversation_ids_of(session, user);
  if (!memberships.ok()) return memberships.error();
  const auto& ids = *memberships;
  if (ids.empty()) return std::vector<UserId>{};
  FindOptions others;
  others.projection = bson().i32("user_id", 1);
  auto found = session->find(
      collections::members,
      bson().doc("conversation_id", in_list(ids)).doc("user_id", bson().i64("$ne", user.value())),
      others, "list contacts of user");
  if (!found.ok()) return found.error();
  std::vector<UserId> out;
  for (const auto& doc : *found) out.push_back(UserId(doc.int64("user_id")));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<Conversation>> MongoStore::list_conversations(ConversationId after, int limit) {
  if (limit <= 0) return std::vector<Conversation>{};
  Session session(*this);
  FindOptions options;
  options.sort = bson().i32("_id", 1);
  options.limit = limit;
  auto found =
      session->find(collections::conversations, bson().doc("_id", bson().i64("$gt", after.value())),
                    options, "list conversations");
  if (!found.ok()) return found.error();
  for (const auto& doc : *found) {
    MESSENGER_TRY(reconcile_counters(session, ConversationId(doc.int64("_id"))));
  }
  // Reread: reconciling may have moved counters of the page.
  found =
      session->find(collections::conversations, bson().doc("_id", bson().i64("$gt", after.value())),
                    options, "list conversations");
  if (!found.ok()) return found.error();
  return conversations_from(*found);
}

}  // namespace messenger::storage::mongo
