// `messenger-server migrate`: copies a whole store into an empty MongoDB database through the
// Store interface of the source, keeping every id, seq and revision, then counts again.

#include <fmt/format.h>

#include "mongo_store_impl.h"

namespace messenger::storage {

using core::Errc;
using core::Error;
using mongo::bson;
using mongo::BsonDoc;
namespace collections = mongo::collections;

namespace {

constexpr int kPage = 500;

struct Copier {
  Store& source;
  mongo::MongoStore& target;
  const std::function<void(const std::string&)>& progress;
  MigrationReport copied;
  std::int64_t max_user_id = 0;
  std::int64_t max_conversation_id = 0;

  core::Status copy_users() {
    UserId after;
    for (;;) {
      UserQuery page;
      page.include_disabled = true;
      page.after = after;
      page.limit = kPage;
      auto users = source.search_users(page);
      if (!users.ok()) return users.error();
      if (users->empty()) break;
      std::vector<BsonDoc> docs;
      std::vector<BsonDoc> settings;
      for (const auto& user : *users) {
        auto credentials = source.find_user_by_username(user.username);
        if (!credentials.ok()) return credentials.error();
        const std::string hash = *credentials ? (*credentials)->password_hash : std::string();
        docs.push_back(mongo::user_document(user, hash));
        auto json = source.get_settings(user.id);
        if (!json.ok()) return json.error();
        if (*json != "{}")
          settings.push_back(std::move(bson().i64("_id", user.id.value()).str("json", *json)));
        max_user_id = std::max(max_user_id, user.id.value());
      }
      copied.users += static_cast<std::int64_t>(docs.size());
      MESSENGER_TRY(target.import_documents(collections::users, std::move(docs)));
      MESSENGER_TRY(target.import_documents(collections::settings, std::move(settings)));
      after = users->back().id;
    }
    progress(fmt::format("copied {} users with their settings", copied.users));
    return core::Ok{};
  }

  core::Status copy_messages(ConversationId id) {
    HistoryQuery page;
    page.direction = HistoryDirection::after;
    page.limit = kPage;
    for (;;) {
      auto messages = source.history(id, page);
      if (!messages.ok()) return messages.error();
      if (messages->empty()) break;
      std::vector<BsonDoc> docs;
      for (const auto& message : *messages) docs.push_back(mongo::message_document(message));
      copied.messages += static_cast<std::int64_t>(docs.size());
      MESSENGER_TRY(target.import_documents(collections::messages, std::move(docs)));
      page.anchor = messages->back().seq;
    }
    return core::Ok{};
  }

  core::Status copy_conversation(const Conversation& conversation) {
    auto members = source.members(conversation.id);
    if (!members.ok()) return members.error();
    const bool direct = conversation.kind == core::ConversationKind::direct && members->size() == 2;
    const auto key = direct ? mongo::direct_key((*members)[0].user_id, (*members)[1].user_id)
                            : fmt::format("#{}", conversation.id.value());
    std::vector<BsonDoc> conversation_docs;
    conversation_docs.push_back(mongo::conversation_document(conversation, key));
    MESSENGER_TRY(
        target.import_documents(collections::conversations, std::move(conversation_docs)));
    std::vector<BsonDoc> member_docs;
    for (const auto& member : *members) {
      member_docs.push_back(mongo::member_document(conversation.id, member));
    }
    copied.members += static_cast<std::int64_t>(member_docs.size());
    MESSENGER_TRY(target.import_documents(collections::members, std::move(member_docs)));
    MESSENGER_TRY(copy_messages(conversation.id));
    ++copied.conversations;
    max_conversation_id = std::max(max_conversation_id, conversation.id.value());
    return core::Ok{};
  }

  core::Status copy_conversations() {
    ConversationId after;
    for (;;) {
      auto page = source.list_conversations(after, kPage);
      if (!page.ok()) return page.error();
      if (page->empty()) break;
      for (const auto& conversation : *page) MESSENGER_TRY(copy_conversation(conversation));
      after = page->back().id;
      progress(fmt::format("copied {} conversations, {} members, {} messages", copied.conversations,
                           copied.members, copied.messages));
    }
    return core::Ok{};
  }
};

core::Result<std::int64_t> count_in(mongo::Operations& ops, std::string_view collection) {
  return ops.count(collection, bson(), fmt::format("count {}", collection));
}

core::Result<MigrationReport> count_target(mongo::Operations& ops) {
  MigrationReport out;
  auto users = count_in(ops, collections::users);
  auto conversations = count_in(ops, collections::conversations);
  auto members = count_in(ops, collections::members);
  auto messages = count_in(ops, collections::messages);
  for (const auto* result : {&users, &conversations, &members, &messages}) {
    if (!result->ok()) return result->error();
  }
  out.users = *users;
  out.conversations = *conversations;
  out.members = *members;
  out.messages = *messages;
  return out;
}

core::Status set_id_counter(mongo::Operations& ops, std::string_view kind, std::int64_t value) {
  auto done = ops.update_one(collections::counters, bson().str("_id", kind),
                             bson().doc("$max", bson().i64("value", value)), true,
                             fmt::format("set the {} id counter", kind));
  if (!done.ok()) return done.error();
  return core::Ok{};
}

}  // namespace

core::Result<MigrationReport> migrate_to_mongo(
    Store& source, const MongoOptions& target_options,
    const std::function<void(const std::string&)>& progress) {
  auto opened = open_mongo_store(target_options);
  if (!opened.ok()) return opened.error();
  auto& target = static_cast<mongo::MongoStore&>(**opened);
  auto& connection = target.connection();
  const auto where = connection.address() + "/" + connection.database();
  mongo::PooledClient client(connection.pool());
  mongo::Operations ops(client.get(), connection.database(), connection.durable());

  auto before = count_target(ops);
  if (!before.ok()) return before.error();
  if (before->users + before->conversations + before->messages > 0) {
    return Error{Errc::conflict,
                 fmt::format("the target database {} is not empty ({} users, {} conversations, "
                             "{} messages); migrate only into an empty database: drop it or "
                             "name another one. Nothing was changed",
                             where, before->users, before->conversations, before->messages)};
  }
  progress(fmt::format("copying into {}", where));
  Copier copier{source, target, progress, {}, 0, 0};
  MESSENGER_TRY(copier.copy_users());
  MESSENGER_TRY(copier.copy_conversations());
  MESSENGER_TRY(set_id_counter(ops, "users", copier.max_user_id));
  MESSENGER_TRY(set_id_counter(ops, "conversations", copier.max_conversation_id));

  auto after = count_target(ops);
  if (!after.ok()) return after.error();
  auto source_users = source.count_users();
  if (!source_users.ok()) return source_users.error();
  const auto& copied = copier.copied;
  if (after->users != copied.users || after->users != *source_users ||
      after->conversations != copied.conversations || after->members != copied.members ||
      after->messages != copied.messages) {
    return Error{Errc::internal,
                 fmt::format("counts differ after the copy: source {} users; copied {} users, {} "
                             "conversations, {} members, {} messages; the target holds {}, {}, "
                             "{}, {}. Drop the target database and run migrate again",
                             *source_users, copied.users, copied.conversations, copied.members,
                             copied.messages, after->users, after->conversations, after->members,
                             after->messages)};
  }
  progress("counts verified");
  return *after;
}

}  // namespace messenger::storage
