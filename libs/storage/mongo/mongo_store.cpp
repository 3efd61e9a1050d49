// Opening the MongoDB store, units of work (write-through with an undo log, one durable write
// per commit) and the generic writes that record their own undo.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mongo_store_impl.h"

namespace messenger::storage {

using core::Errc;
using core::Error;

core::Result<std::unique_ptr<Store>> open_mongo_store(const MongoOptions& options) {
  auto connection = mongo::Connection::create(options);
  if (!connection.ok()) return connection.error();
  auto store = std::make_unique<mongo::MongoStore>(std::move(*connection));
  auto& conn = store->connection();
  {
    mongo::PooledClient client(conn.pool());
    mongo::Operations ops(client.get(), conn.database(), conn.durable());
    auto ping = ops.admin_command(mongo::bson().i32("ping", 1), "ping");
    if (!ping.ok()) {
      return Error{
          Errc::unavailable,
          fmt::format("cannot reach MongoDB at {} within {} ms ({}). Check that the "
                      "server is running and reachable from this host (address, port, "
                      "firewall) and the credentials and TLS options in the store URI",
                      conn.address(), options.server_selection_timeout_ms, ping.error().message)};
    }
    MESSENGER_TRY(mongo::prepare_schema(ops, conn.address() + "/" + conn.database()));
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace messenger::storage

namespace messenger::storage::mongo {

MongoStore::Session::Session(MongoStore& store)
    : owned_(store.in_unit() ? std::nullopt
                             : std::make_optional<PooledClient>(store.connection_.pool())),
      ops_(store.in_unit() ? store.unit_client_->get() : owned_->get(),
           store.connection_.database(),
           // Inside a unit the commit makes the writes durable; alone, each write must be.
           store.in_unit() ? nullptr : store.connection_.durable(),
           store.in_unit() ? &store.unit_failed_ : nullptr) {}

Status MongoStore::begin() {
  if (in_unit()) rollback();
  unit_client_.emplace(connection_.pool());
  unit_wrote_ = false;
  unit_failed_ = false;
  undo_log_.clear();
  return core::Ok{};
}

Status MongoStore::commit() {
  if (!in_unit()) return core::Ok{};
  Status status = core::Ok{};
  if (unit_wrote_) {
    // One write at the configured concern: once the journal (or a majority) holds it, it holds
    // every earlier write of this unit too.
    Operations ops(unit_client_->get(), connection_.database(), connection_.durable());
    auto marked = ops.update_one(collections::meta, bson().str("_id", "commit"),
                                 bson().doc("$inc", bson().i64("commits", 1)), true,
                                 "commit the unit of work");
    if (!marked.ok()) status = marked.error();
  }
  if (!status.ok()) return status;  // the caller rolls back
  undo_log_.clear();
  unit_client_.reset();
  return status;
}

void MongoStore::rollback() {
  if (!in_unit()) return;
  // The undo stops at the first failure: with MongoDB gone each step would wait the whole
  // server-selection timeout. What could not be undone stays (docs/storage.md says why that is
  // safe).
  bool undo_failed = false;
  Operations ops(unit_client_->get(), connection_.database(), nullptr, &undo_failed);
  std::size_t undone = 0;
  for (auto it = undo_log_.rbegin(); it != undo_log_.rend() && !undo_failed; ++it) {
    undo(ops, *it);
    if (!undo_failed) ++undone;
  }
  if (undo_failed) {
    spdlog::warn("storage: rollback undid {} of {} writes before MongoDB failed", undone,
                 undo_log_.size());
  }
  undo_log_.clear();
  unit_client_.reset();
}

void MongoStore::record(UndoStep step) {
  unit_wrote_ = true;
  if (in_unit()) undo_log_.push_back(std::move(step));
}

std::vector<StoreCounter> MongoStore::counters() const {
  return {{"messenger_mongodb_operations_total",
           "Commands (reads and their getMore, writes, other commands) this server sent to "
           "MongoDB.",
           connection_.commands_sent()}};
}

void MongoStore::undo(Operations& ops, UndoStep& step) {
  Status status = core::Ok{};
  switch (step.kind) {
    case UndoStep::Kind::insert:
      status = ops.insert_one(step.collection, step.document, "undo: restore a document");
      break;
    case UndoStep::Kind::remove:
      if (auto done = ops.delete_many(step.collection, step.filter, "undo: remove a document");
          !done.ok()) {
        status = done.error();
      }
      break;
    case UndoStep::Kind::update:
      if (auto done = ops.update_one(step.collection, step.filter, step.document, false,
                                     "undo: restore fields");
          !done.ok()) {
        status = done.error();
      }
      break;
    case UndoStep::Kind::remove_message: {
      // Only the newest message goes: removing one below a message another process stored
      // since would leave a gap in the seqs. A kept one stays a stored message, which its
      // sender's resend (same client_msg_id) finds.
      auto later = ops.count(collections::messages,
                             bson()
                                 .i64("conversation_id", step.conversation.value())
                                 .doc("seq", bson().i64("$gt", step.seq.value())),
                             "undo: look for later messages");
      if (!later.ok()) {
        status = later.error();
      } else if (*later == 0) {
        if (auto done = ops.delete_many(step.collection, step.filter, "undo: remove a message");
            !done.ok()) {
          status = done.error();
        }
      }
      break;
    }
  }
  if (!status.ok()) {
    spdlog::warn("storage: rollback could not undo a write: {}", status.error().message);
  }
}

Status MongoStore::insert(Session& session, std::string_view collection, BsonDoc id_filter,
                          const BsonDoc& document, std::string_view what) {
  MESSENGER_TRY(session->insert_one(collection, document, what));
  record(UndoStep{.kind = UndoStep::Kind::remove,
                  .collection = collection,
                  .filter = std::move(id_filter),
                  .document = {},
                  .conversation = {},
                  .seq = {}});
  return core::Ok{};
}

Status MongoStore::set_fields(Session& session, std::string_view collection, const BsonDoc& filter,
                              const BsonDoc& fields, std::string_view what) {
  auto old = session->find_and_update(collection, filter, bson().doc("$set", fields),
                                      Returning::old_document, false, what);
  if (!old.ok()) return old.error();
  if (!*old) {
    return Error{Errc::not_found, fmt::format("mongodb: {}: no such document", what)};
  }
  BsonDoc restore;
  BsonDoc unset;
  for (const auto& key : fields.keys()) {
    if ((*old)->has(key)) {
      restore.copy_field(**old, key);
    } else {
      unset.str(key, "");
    }
  }
  BsonDoc update;
  if (!restore.empty()) update.doc("$set", restore);
  if (!unset.empty()) update.doc("$unset", unset);
  record(UndoStep{.kind = UndoStep::Kind::update,
                  .collection = collection,
                  .filter = std::move(bson().copy_field(**old, "_id")),
                  .document = std::move(update),
                  .conversation = {},
                  .seq = {}});
  return core::Ok{};
}

Result<std::optional<BsonDoc>> MongoStore::remove_one(Session& session, std::string_view collection,
                                                      const BsonDoc& filter,
                                                      std::string_view what) {
  auto removed = session->find_and_remove(collection, filter, what);
  if (!removed.ok()) return removed.error();
  if (*removed) {
    record(UndoStep{.kind = UndoStep::Kind::insert,
                    .collection = collection,
                    .filter = {},
                    .document = BsonDoc::copy_of((*removed)->get()),
                    .conversation = {},
                    .seq = {}});
  }
  return removed;
}

Result<std::vector<BsonDoc>> MongoStore::remove_all(Session& session, std::string_view collection,
                                                    const BsonDoc& filter, std::string_view what) {
  auto found = session->find(collection, filter, {}, what);
  if (!found.ok()) return found.error();
  std::vector<BsonDoc> removed;
  for (auto& document : *found) {
    auto gone = remove_one(session, collection, bson().copy_field(document, "_id"), what);
    if (!gone.ok()) return gone.error();
    if (*gone) removed.push_back(std::move(**gone));
  }
  return removed;
}

Result<std::int64_t> MongoStore::next_id(Session& session, std::string_view kind) {
  // Ids only need to be unique and increasing: a rolled-back unit leaves a hole, as SQL
  // sequences do.
  auto counter = session->find_and_update(
      collections::counters, bson().str("_id", kind), bson().doc("$inc", bson().i64("value", 1)),
      Returning::new_document, true, fmt::format("allocate an id for {}", kind));
  if (!counter.ok()) return counter.error();
  if (!*counter) return Error{Errc::unavailable, "mongodb: id counter missing after upsert"};
  return (*counter)->int64("value");
}

Status MongoStore::import_documents(std::string_view collection, std::vector<BsonDoc> documents) {
  if (documents.empty()) return core::Ok{};
  PooledClient client(connection_.pool());
  auto coll = CollectionPtr(mongoc_client_get_collection(
      client.get(), connection_.database().c_str(), std::string(collection).c_str()));
  BsonDoc options;
  mongoc_write_concern_append(const_cast<mongoc_write_concern_t*>(connection_.durable()),
                              options.get());
  options.boolean("ordered", true);
  std::unique_ptr<mongoc_bulk_operation_t, Deleter<mongoc_bulk_operation_destroy>> bulk(
      mongoc_collection_create_bulk_operation_with_opts(coll.get(), options.get()));
  bson_error_t error;
  for (const auto& document : documents) {
    if (!mongoc_bulk_operation_insert_with_opts(bulk.get(), document.get(), nullptr, &error)) {
      return Error{Errc::bad_request, fmt::format("mongodb: copy into {}: {}", collection,
                                                  static_cast<const char*>(error.message))};
    }
  }
  ReplyDoc reply;
  if (mongoc_bulk_operation_execute(bulk.get(), reply.out(), &error) == 0) {
    return Error{Errc::unavailable, fmt::format("mongodb: copy into {}: {}", collection,
                                                static_cast<const char*>(error.message))};
  }
  return core::Ok{};
}

}  // namespace messenger::storage::mongo
