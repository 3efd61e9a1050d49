#pragma once

// The MongoDB connection of the store: the client pool, the configured write concern, and the
// handful of collection operations the store needs, each turning libmongoc's errors into ours.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bson_doc.h"
#include "messenger/core/result.h"
#include "messenger/storage/mongo_store.h"
#include "mongo_handles.h"

namespace messenger::storage::mongo {

using core::Result;
using core::Status;

struct FindOptions {
  BsonDoc sort;
  BsonDoc projection;
  std::int64_t limit = 0;  // 0 = no limit
};

enum class Returning { old_document, new_document };

/// Operations over one client borrowed from the pool. Writes carry `write_concern`, or the
/// URI's default (acknowledged by the primary) when it is null.
class Operations {
 public:
  /// `unit_failed`, when given, is the unit of work's flag: set by a failure other than a
  /// duplicate key, and once set every further operation fails at once.
  Operations(mongoc_client_t* client, const std::string& database,
             const mongoc_write_concern_t* write_concern, bool* unit_failed = nullptr);

  Status insert_one(std::string_view collection, const BsonDoc& document, std::string_view what);
  Result<std::vector<BsonDoc>> find(std::string_view collection, const BsonDoc& filter,
                                    const FindOptions& options, std::string_view what);
  Result<std::optional<BsonDoc>> find_one(std::string_view collection, const BsonDoc& filter,
                                          std::string_view what);
  /// findAndModify with an update; nullopt when nothing matched (and no upsert).
  Result<std::optional<BsonDoc>> find_and_update(std::string_view collection, const BsonDoc& filter,
                                                 const BsonDoc& update, Returning returning,
                                                 bool upsert, std::string_view what);
  /// findAndModify with remove: the removed document, or nullopt.
  Result<std::optional<BsonDoc>> find_and_remove(std::string_view collection, const BsonDoc& filter,
                                                 std::string_view what);
  /// The number of documents matched.
  Result<std::int64_t> update_one(std::string_view collection, const BsonDoc& filter,
                                  const BsonDoc& update, bool upsert, std::string_view what);
  Result<std::int64_t> delete_many(std::string_view collection, const BsonDoc& filter,
                                   std::string_view what);
  Result<std::int64_t> count(std::string_view collection, const BsonDoc& filter,
                             std::string_view what);
  /// The names of the collection's indexes; none when the collection does not exist.
  Result<std::vector<std::string>> index_names(std::string_view collection);
  /// A command on this database; its reply.
  Result<BsonDoc> command(const BsonDoc& command, std::string_view what);
  /// A command on the admin database (ping).
  Result<BsonDoc> admin_command(const BsonDoc& command, std::string_view what);

 private:
  CollectionPtr collection(std::string_view name) const;
  core::Error failed(const bson_error_t& error, std::string_view what);
  /// Before an operation is sent: refuses it once the unit failed, and counts it.
  Status start(std::string_view what) const;
  Result<std::optional<BsonDoc>> run_find_and_modify(mongoc_collection_t* coll,
                                                     const BsonDoc& filter,
                                                     mongoc_find_and_modify_opts_t* opts,
                                                     std::string_view what);
  /// Write options: the write concern, when there is one.
  BsonDoc write_options() const;

  mongoc_client_t* client_;
  const std::string& database_;
  const mongoc_write_concern_t* write_concern_;
  bool* unit_failed_;
};

/// True for a unique-index violation.
bool is_duplicate_key(const core::Error& error);

/// The pool and settings shared by every operation of one store.
class Connection {
 public:
  /// Parses the URI and builds the pool; does not contact the server yet.
  static Result<Connection> create(const MongoOptions& options);

  [[nodiscard]] const std::string& database() const { return database_; }
  /// The hosts of the URI ("host:port,host:port"), for messages.
  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] const MongoOptions& options() const { return options_; }
  [[nodiscard]] mongoc_client_pool_t* pool() const { return pool_.get(); }
  /// The configured (durable) write concern.
  [[nodiscard]] const mongoc_write_concern_t* durable() const { return durable_.get(); }
  /// Every command the pool's clients have sent to the server, as libmongoc's command monitoring
  /// reports them: each read (a cursor's getMore too), write and command.
  [[nodiscard]] std::uint64_t commands_sent() const {
    return commands_sent_->load(std::memory_order_relaxed);
  }

 private:
  Connection() = default;

  MongoOptions options_;
  std::string database_;
  std::string address_;
  UriPtr uri_;
  // Before pool_, so that it outlives the pool's last commands (endSessions at its end). Held by
  // pointer: the pool's monitoring keeps its address while the Connection moves.
  std::unique_ptr<std::atomic<std::uint64_t>> commands_sent_ =
      std::make_unique<std::atomic<std::uint64_t>>(0);
  PoolPtr pool_;
  WriteConcernPtr durable_;
};

}  // namespace messenger::storage::mongo
