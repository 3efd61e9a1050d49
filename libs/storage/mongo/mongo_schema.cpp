// The schema of the MongoDB store: its indexes (created at every start; createIndexes is
// idempotent) and its version with ordered migrations.

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "mongo_store_impl.h"

namespace messenger::storage::mongo {

using core::Errc;
using core::Error;

namespace {

struct IndexSpec {
  std::string_view name;
  std::vector<std::pair<std::string_view, int>> keys;
  bool unique = false;
};

struct CollectionIndexes {
  std::string_view collection;
  std::vector<IndexSpec> indexes;
};

/// Every index and the query it serves; docs/storage.md has the same list.
std::vector<CollectionIndexes> index_specs() {
  return {
      {collections::users,
       {{"username_unique", {{"username", 1}}, true},  // login, find_user_by_username
        {"department", {{"department", 1}}}}},         // directory filter by department
      {collections::auth_sessions,
       {{"token_hash_unique", {{"token_hash", 1}}, true},  // resume by token
        {"user", {{"user_id", 1}}}}},                      // revoke every session of a user
      {collections::conversations,
       {{"direct_key_unique", {{"direct_key", 1}}, true},  // one direct chat per pair
        {"channels_by_name", {{"kind", 1}, {"archived", 1}, {"name", 1}}}}},  // browse
      {collections::members,
       {{"conversation_user_unique", {{"conversation_id", 1}, {"user_id", 1}}, true},
        {"user", {{"user_id", 1}, {"conversation_id", 1}}}}},  // my conversations
      {collections::messages,
       {{"conversation_seq_unique", {{"conversation_id", 1}, {"seq", 1}}, true},  // history
        {"sender_client_msg_id_unique", {{"sender_id", 1}, {"client_msg_id", 1}}, true},
        {"conversation_rev_unique", {{"conversation_id", 1}, {"rev", 1}}, true}}},  // sync
  };
}

/// Creates the indexes a collection lacks. Only the missing ones are asked for: FerretDB 1.24
/// drops the connection when createIndexes names an index that exists.
Status ensure_indexes(Operations& ops) {
  for (const auto& spec : index_specs()) {
    auto existing = ops.index_names(spec.collection);
    if (!existing.ok()) return existing.error();
    std::vector<BsonDoc> indexes;
    for (const auto& index : spec.indexes) {
      if (std::find(existing->begin(), existing->end(), index.name) != existing->end()) continue;
      BsonDoc key;
      for (const auto& [field, order] : index.keys) key.i32(field, order);
      BsonDoc entry;
      entry.doc("key", key).str("name", index.name);
      if (index.unique) entry.boolean("unique", true);
      indexes.push_back(std::move(entry));
    }
    if (indexes.empty()) continue;
    BsonDoc command;
    command.str("createIndexes", spec.collection).doc_array("indexes", indexes);
    auto done = ops.command(command, fmt::format("create the indexes of {}", spec.collection));
    if (!done.ok()) return done.error();
  }
  return core::Ok{};
}

struct Migration {
  int version;
  std::string_view description;
  std::function<Status(Operations&)> apply;
};

/// Ordered; each runs once, when the database's version is below its own.
std::vector<Migration> migrations() {
  return {
      {1, "initial document model", [](Operations&) -> Status { return core::Ok{}; }},
  };
}

}  // namespace

Status prepare_schema(Operations& ops, const std::string& address) {
  auto schema =
      ops.find_one(collections::meta, bson().str("_id", "schema"), "read the schema version");
  if (!schema.ok()) return schema.error();
  const std::int64_t version = *schema ? (*schema)->int64("version") : 0;
  if (version > kSchemaVersion) {
    return Error{Errc::unavailable,
                 fmt::format("the MongoDB database at {} has schema version {}, newer than this "
                             "server knows ({}): it was written by a newer messenger-server. Run "
                             "that version (or newer), or restore a backup made for this one; "
                             "nothing was changed",
                             address, version, kSchemaVersion)};
  }
  // FerretDB 1.24 drops the connection when two servers create the same indexes at once;
  // createIndexes is idempotent, so another attempt settles it.
  auto indexed = ensure_indexes(ops);
  for (int attempt = 1; attempt < 3 && !indexed.ok(); ++attempt) indexed = ensure_indexes(ops);
  MESSENGER_TRY(indexed);
  for (const auto& migration : migrations()) {
    if (migration.version <= version) continue;
    MESSENGER_TRY(migration.apply(ops));
    // Two servers starting at once both upsert: the loser's duplicate key means the version is
    // recorded already, and $max keeps the higher one either way.
    auto recorded = ops.update_one(
        collections::meta, bson().str("_id", "schema"),
        bson().doc("$max", bson().i64("version", migration.version)), true,
        fmt::format("record schema version {} ({})", migration.version, migration.description));
    if (!recorded.ok() && !is_duplicate_key(recorded.error())) return recorded.error();
  }
  return core::Ok{};
}

}  // namespace messenger::storage::mongo
