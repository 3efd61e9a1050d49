#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "messenger/core/result.h"
#include "messenger/storage/store.h"

namespace messenger::storage {

struct MongoOptions {
  /// A MongoDB connection string naming the database, e.g. mongodb://host:27017/messenger.
  /// Options in the string (replicaSet=, tls=, authSource=...) are passed to the driver.
  std::string uri;
  int pool_size = 8;                       // connections kept by the client pool
  int server_selection_timeout_ms = 5000;  // how long to wait for a reachable server
  int connect_timeout_ms = 5000;           // TCP connect + handshake
  int socket_timeout_ms = 10000;           // one operation's network round trip
  /// "majority" (the default), "1", or any number of members.
  std::string write_concern = "majority";
  bool journal = true;  // acknowledged only once in the on-disk journal
};

/// Opens the MongoDB store: checks the server answers within the configured timeout, refuses a
/// database whose schema version is newer than this server knows, and otherwise brings the
/// schema up to date (collections, indexes) before returning. Errc::unavailable with a message
/// that names the address and what to check when it cannot.
core::Result<std::unique_ptr<Store>> open_mongo_store(const MongoOptions& options);

/// What `migrate` copied, counted again in the target after the copy.
struct MigrationReport {
  std::int64_t users = 0;
  std::int64_t conversations = 0;
  std::int64_t members = 0;
  std::int64_t messages = 0;
};

/// Copies users (with password hashes and settings), conversations, members with their read
/// markers, and every message (ids, seqs and revisions unchanged) from `source` into the empty
/// MongoDB database of `target`, then verifies the counts. Login sessions are not copied. Refuses
/// (Errc::conflict) a target that already holds users. `progress` receives one line per stage.
core::Result<MigrationReport> migrate_to_mongo(
    Store& source, const MongoOptions& target,
    const std::function<void(const std::string&)>& progress);

}  // namespace messenger::storage
