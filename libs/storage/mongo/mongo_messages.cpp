// Messages: seq and rev allocation that stays gap-free and unique across server processes
// without transactions, history, sync by revision and unread counts.

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "mongo_store_impl.h"

namespace messenger::storage::mongo {

using core::Errc;
using core::Error;

namespace {

/// Enough for any realistic number of server processes racing for one conversation's next seq.
constexpr int kMaxClaimAttempts = 64;

BsonDoc by_id(std::int64_t id) {
  return bson().i64("_id", id);
}

BsonDoc in_conversation(ConversationId id) {
  return bson().i64("conversation_id", id.value());
}

Error no_conversation(ConversationId id) {
  return Error{Errc::not_found, fmt::format("conversation {} does not exist", id.value())};
}

std::vector<Message> messages_from(const std::vector<BsonDoc>& docs) {
  std::vector<Message> out;
  out.reserve(docs.size());
  for (const auto& doc : docs) out.push_back(message_from(doc));
  return out;
}

}  // namespace

Status MongoStore::reconcile_counters(Session& session, ConversationId id) {
  if (reconciled_.contains(id.value())) return core::Ok{};
  FindOptions newest;
  newest.limit = 1;
  newest.sort = bson().i32("seq", -1);
  auto top_seq =
      session->find(collections::messages, in_conversation(id), newest, "find the newest message");
  if (!top_seq.ok()) return top_seq.error();
  newest.sort = bson().i32("rev", -1);
  auto top_rev =
      session->find(collections::messages, in_conversation(id), newest, "find the newest change");
  if (!top_rev.ok()) return top_rev.error();
  if (!top_seq->empty()) {
    const auto& seq_doc = top_seq->front();
    const std::int64_t rev = top_rev->empty() ? 0 : top_rev->front().int64("rev");
    // A fact about stored messages, not part of the unit: never undone.
    auto moved = session->find_and_update(
        collections::conversations, by_id(id.value()),
        bson().doc("$max", bson()
                               .i64("last_seq", seq_doc.int64("seq"))
                               .i64("last_rev", rev)
                               .i64("last_activity", seq_doc.int64("created_at"))),
        Returning::new_document, false, "reconcile the conversation's counters");
    if (!moved.ok()) return moved.error();
  }
  reconciled_.insert(id.value());
  return core::Ok{};
}

Result<std::optional<MongoStore::Counters>> MongoStore::counters_of(Session& session,
                                                                    ConversationId id) {
  MESSENGER_TRY(reconcile_counters(session, id));
  auto found = session->find_one(collections::conversations, by_id(id.value()),
                                 "read the conversation's counters");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<Counters>{};
  return std::optional<Counters>(
      Counters{Seq((*found)->int64("last_seq")), Rev((*found)->int64("last_rev"))});
}

Status MongoStore::advance_counters(Session& session, ConversationId id, Seq seq, Rev rev,
                                    TimestampMs activity) {
  auto old = session->find_and_update(collections::conversations, by_id(id.value()),
                                      bson().doc("$max", bson()
                                                             .i64("last_seq", seq.value())
                                                             .i64("last_rev", rev.value())
                                                             .i64("last_activity", activity)),
                                      Returning::old_document, false,
                                      "advance the conversation's counters");
  if (!old.ok()) return old.error();
  if (!*old) return no_conversation(id);
  const auto& before = **old;
  // Put the counters back only if no other process moved them further since.
  BsonDoc still_ours;
  still_ours.i64("_id", id.value())
      .i64("last_seq", std::max(before.int64("last_seq"), seq.value()))
      .i64("last_rev", std::max(before.int64("last_rev"), rev.value()));
  BsonDoc restore;
  restore.copy_field(before, "last_seq")
      .copy_field(before, "last_rev")
      .copy_field(before, "last_activity");
  record(UndoStep{.kind = UndoStep::Kind::update,
                  .collection = collections::conversations,
                  .filter = std::move(still_ours),
                  .document = std::move(bson().doc("$set", restore)),
                  .conversation = id,
                  .seq = seq});
  return core::Ok{};
}

Result<Message> MongoStore::insert_message(Session& session, const NewMessage& message) {
  bool maybe_written = false;  // a network error hid whether the last insert happened
  for (int attempt = 0; attempt < kMaxClaimAttempts; ++attempt) {
    auto counters = counters_of(session, message.conversation_id);
    if (!counters.ok()) return counters.error();
    if (!*counters) return no_conversation(message.conversation_id);
    Message row = message.stored_after((*counters)->last_seq, (*counters)->last_rev);
    auto inserted =
        session->insert_one(collections::messages, message_document(row), "append message");
    if (!inserted.ok() && is_duplicate_key(inserted.error())) {
      auto mine = find_message_by_client_id(message.sender_id, message.client_msg_id);
      if (!mine.ok()) return mine.error();
      if (*mine) {
        if (!maybe_written) {
          return Error{Errc::conflict, "a message with this client_msg_id is stored already"};
        }
        row = std::move(**mine);  // the retried insert had happened: idempotent
      } else {
        // Another process took this seq (or rev) and has not moved the counters yet.
        reconciled_.erase(message.conversation_id.value());
        continue;
      }
    } else if (!inserted.ok()) {
      if (maybe_written) return inserted.error();
      maybe_written = true;  // retry once: the server may be back, the write may have happened
      continue;
    }
    record(UndoStep{.kind = UndoStep::Kind::remove_message,
                    .collection = collections::messages,
                    .filter = bson().str("_id", message_key(row.conversation_id, row.seq)),
                    .document = {},
                    .conversation = row.conversation_id,
                    .seq = row.seq});
    MESSENGER_TRY(advance_counters(session, row.conversation_id, row.seq, row.rev, row.created_at));
    return row;
  }
  return Error{Errc::unavailable,
               fmt::format("could not claim a seq in conversation {} after {} attempts; retry",
                           message.conversation_id.value(), kMaxClaimAttempts)};
}

Result<std::vector<Message>> MongoStore::append_messages(std::span<const NewMessage> messages) {
  Session session(*this);
  std::vector<Message> stored;
  stored.reserve(messages.size());
  for (const auto& message : messages) {
    auto row = insert_message(session, message);
    if (!row.ok()) return row.error();
    stored.push_back(std::move(*row));
  }
  return stored;
}

Result<std::optional<Message>> MongoStore::find_message(ConversationId id, Seq seq) {
  Session session(*this);
  auto found = session->find_one(collections::messages, bson().str("_id", message_key(id, seq)),
                                 "find message");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<Message>{};
  return std::optional<Message>(message_from(**found));
}

Result<std::optional<Message>> MongoStore::find_message_by_client_id(
    UserId sender, std::string_view client_msg_id) {
  Session session(*this);
  auto found =
      session->find_one(collections::messages,
                        bson().i64("sender_id", sender.value()).str("client_msg_id", client_msg_id),
                        "find message by client id");
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<Message>{};
  return std::optional<Message>(message_from(**found));
}

Result<Message> MongoStore::update_message(ConversationId id, Seq seq,
                                           std::optional<std::string_view> new_text,
                                           TimestampMs when) {
  Session session(*this);
  const auto key = bson().str("_id", message_key(id, seq));
  for (int attempt = 0; attempt < kMaxClaimAttempts; ++attempt) {
    auto counters = counters_of(session, id);
    if (!counters.ok()) return counters.error();
    if (!*counters) return no_conversation(id);
    const Rev rev((*counters)->last_rev.value() + 1);
    // An edit replaces the text and stamps edited_at; a delete empties the text and keeps
    // edited_at.
    BsonDoc fields;
    fields.i64("rev", rev.value());
    if (new_text) {
      fields.str("text", *new_text).i64("edited_at", when);
    } else {
      fields.str("text", "").boolean("deleted", true);
    }
    auto updated = set_fields(session, collections::messages, key, fields, "update message");
    if (!updated.ok() && is_duplicate_key(updated.error())) {
      reconciled_.erase(id.value());  // another process took this rev
      continue;
    }
    if (!updated.ok() && updated.error().code == Errc::not_found) {
      return Error{Errc::not_found, fmt::format("message {} of conversation {} does not exist",
                                                seq.value(), id.value())};
    }
    MESSENGER_TRY(updated);
    MESSENGER_TRY(advance_counters(session, id, Seq(), rev, 0));
    auto message = session->find_one(collections::messages, key, "read the updated message");
    if (!message.ok()) return message.error();
    if (!*message) return Error{Errc::unavailable, "the updated message disappeared; retry"};
    return message_from(**message);
  }
  return Error{Errc::unavailable,
               fmt::format("could not claim a revision in conversation {}; retry", id.value())};
}

Result<std::vector<Message>> MongoStore::history(ConversationId id, const HistoryQuery& query) {
  if (query.limit <= 0) return std::vector<Message>{};
  Session session(*this);
  FindOptions options;
  options.limit = query.limit;
  BsonDoc filter = in_conversation(id);
  if (query.direction == HistoryDirection::after) {
    filter.doc("seq", bson().i64("$gt", query.anchor.value()));
    options.sort = bson().i32("seq", 1);
    auto found = session->find(collections::messages, filter, options, "read history after");
    if (!found.ok()) return found.error();
    return messages_from(*found);
  }
  if (query.anchor.value() > 0) filter.doc("seq", bson().i64("$lt", query.anchor.value()));
  options.sort = bson().i32("seq", -1);
  auto found = session->find(collections::messages, filter, options, "read history before");
  if (!found.ok()) return found.error();
  auto page = messages_from(*found);
  std::reverse(page.begin(), page.end());
  return page;
}

Result<std::vector<Message>> MongoStore::changes_since(ConversationId id, Rev after, int limit) {
  if (limit <= 0) return std::vector<Message>{};
  Session session(*this);
  FindOptions options;
  options.limit = limit;
  options.sort = bson().i32("rev", 1);
  auto found = session->find(collections::messages,
                             in_conversation(id).doc("rev", bson().i64("$gt", after.value())),
                             options, "read changes");
  if (!found.ok()) return found.error();
  return messages_from(*found);
}

Result<std::int64_t> MongoStore::count_unread(ConversationId id, UserId reader, Seq after_seq) {
  Session session(*this);
  return session->count(collections::messages,
                        in_conversation(id)
                            .doc("seq", bson().i64("$gt", after_seq.value()))
                            .boolean("deleted", false)
                            .doc("sender_id", bson().i64("$ne", reader.value())),
                        "count unread");
}

}  // namespace messenger::storage::mongo
