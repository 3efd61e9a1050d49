#include "mongo_database.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace messenger::storage::mongo {

using core::Errc;
using core::Error;

namespace {

bool duplicate_key_code(std::uint32_t code) {
  return code == 11000 || code == 11001 || code == 12582;
}

bool network_domain(std::uint32_t domain) {
  return domain == MONGOC_ERROR_STREAM || domain == MONGOC_ERROR_SERVER_SELECTION ||
         domain == MONGOC_ERROR_CLIENT;
}

Error to_error(const bson_error_t& error, std::string_view what) {
  if (duplicate_key_code(error.code)) {
    return Error{Errc::conflict, fmt::format("mongodb: {}: duplicate key ({})", what,
                                             static_cast<const char*>(error.message))};
  }
  // Unreachable servers, timeouts and server-side failures alike: the unit of work is rolled
  // back and the request answered `unavailable`.
  return Error{
      Errc::unavailable,
      fmt::format("mongodb: {}: {}{}", what, static_cast<const char*>(error.message),
                  network_domain(error.domain) ? "" : fmt::format(" (code {})", error.code))};
}

void log_handler(mongoc_log_level_t level, const char* domain, const char* message, void*) {
  if (spdlog::default_logger_raw() == nullptr) return;  // after spdlog::shutdown()
  switch (level) {
    case MONGOC_LOG_LEVEL_ERROR:
    case MONGOC_LOG_LEVEL_CRITICAL:
      spdlog::error("mongoc.{}: {}", domain, message);
      break;
    case MONGOC_LOG_LEVEL_WARNING:
      // Servers without sessions (FerretDB, a stand-alone mongod) refuse the endSessions a pool
      // sends when it closes: nothing is wrong.
      if (std::string_view(message).find("endSessions") != std::string_view::npos) {
        spdlog::debug("mongoc.{}: {}", domain, message);
      } else {
        spdlog::warn("mongoc.{}: {}", domain, message);
      }
      break;
    default:
      spdlog::debug("mongoc.{}: {}", domain, message);
      break;
  }
}

/// libmongoc's process-wide setup: initialised once, its log routed through ours (otherwise
/// the pool's monitor writes to stderr).
void init_driver_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_init();
    mongoc_log_set_handler(log_handler, nullptr);
  });
}

std::string hosts_of(const mongoc_uri_t* uri) {
  std::string out;
  for (const mongoc_host_list_t* host = mongoc_uri_get_hosts(uri); host != nullptr;
       host = host->next) {
    if (!out.empty()) out += ',';
    out += host->host_and_port;
  }
  return out.empty() ? std::string("(srv record)") : out;
}

}  // namespace

bool is_duplicate_key(const core::Error& error) {
  return error.code == Errc::conflict;
}

// ---- Operations ----

Operations::Operations(mongoc_client_t* client, const std::string& database,
                       const mongoc_write_concern_t* write_concern, bool* unit_failed)
    : client_(client),
      database_(database),
      write_concern_(write_concern),
      unit_failed_(unit_failed) {}

Error Operations::failed(const bson_error_t& error, std::string_view what) {
  auto out = to_error(error, what);
  if (out.code == Errc::unavailable && unit_failed_ != nullptr) *unit_failed_ = true;
  return out;
}

Status Operations::start(std::string_view what) const {
  if (unit_failed_ != nullptr && *unit_failed_) {
    // Each further call would wait the whole server-selection timeout again.
    return Error{
        Errc::unavailable,
        fmt::format("mongodb: {}: skipped, an earlier operation of this unit failed", what)};
  }
  return core::Ok{};
}

CollectionPtr Operations::collection(std::string_view name) const {
  return CollectionPtr(
      mongoc_client_get_collection(client_, database_.c_str(), std::string(name).c_str()));
}

BsonDoc Operations::write_options() const {
  BsonDoc options;
  if (write_concern_ != nullptr)
    mongoc_write_concern_append(const_cast<mongoc_write_concern_t*>(write_concern_), options.get());
  return options;
}

Status Operations::insert_one(std::string_view name, const BsonDoc& document,
                              std::string_view what) {
  MESSENGER_TRY(start(what));
  auto coll = collection(name);
  bson_error_t error;
  ReplyDoc reply;
  if (!mongoc_collection_insert_one(coll.get(), document.get(), write_options().get(), reply.out(),
                                    &error)) {
    return failed(error, what);
  }
  return core::Ok{};
}

Result<std::vector<BsonDoc>> Operations::find(std::string_view name, const BsonDoc& filter,
                                              const FindOptions& options, std::string_view what) {
  MESSENGER_TRY(start(what));
  auto coll = collection(name);
  BsonDoc opts;
  if (!options.sort.empty()) opts.doc("sort", options.sort);
  if (!options.projection.empty()) opts.doc("projection", options.projection);
  if (options.limit > 0) opts.i64("limit", options.limit);
  CursorPtr cursor(mongoc_collection_find_with_opts(coll.get(), filter.get(), opts.get(), nullptr));
  std::vector<BsonDoc> out;
  const bson_t* item = nullptr;
  while (mongoc_cursor_next(cursor.get(), &item)) out.push_back(BsonDoc::copy_of(item));
  bson_error_t error;
  if (mongoc_cursor_error(cursor.get(), &error)) return failed(error, what);
  return out;
}

Result<std::optional<BsonDoc>> Operations::find_one(std::string_view name, const BsonDoc& filter,
                                                    std::string_view what) {
  FindOptions options;
  options.limit = 1;
  auto found = find(name, filter, options, what);
  if (!found.ok()) return found.error();
  if (found->empty()) return std::optional<BsonDoc>{};
  return std::optional<BsonDoc>(std::move(found->front()));
}

Result<std::optional<BsonDoc>> Operations::run_find_and_modify(mongoc_collection_t* coll,
                                                               const BsonDoc& filter,
                                                               mongoc_find_and_modify_opts_t* opts,
                                                               std::string_view what) {
  MESSENGER_TRY(start(what));
  ReplyDoc reply;
  bson_error_t error;
  if (!mongoc_collection_find_and_modify_with_opts(coll, filter.get(), opts, reply.out(), &error)) {
    return failed(error, what);
  }
  return BsonDoc::copy_of(reply.get()).document("value");
}

Result<std::optional<BsonDoc>> Operations::find_and_update(std::string_view name,
                                                           const BsonDoc& filter,
                                                           const BsonDoc& update,
                                                           Returning returning, bool upsert,
                                                           std::string_view what) {
  auto coll = collection(name);
  FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
  mongoc_find_and_modify_opts_set_update(opts.get(), update.get());
  int flags = MONGOC_FIND_AND_MODIFY_NONE;
  if (returning == Returning::new_document) flags |= MONGOC_FIND_AND_MODIFY_RETURN_NEW;
  if (upsert) flags |= MONGOC_FIND_AND_MODIFY_UPSERT;
  mongoc_find_and_modify_opts_set_flags(opts.get(),
                                        static_cast<mongoc_find_and_modify_flags_t>(flags));
  const auto extra = write_options();
  mongoc_find_and_modify_opts_append(opts.get(), extra.get());
  return run_find_and_modify(coll.get(), filter, opts.get(), what);
}

Result<std::optional<BsonDoc>> Operations::find_and_remove(std::string_view name,
                                                           const BsonDoc& filter,
                                                           std::string_view what) {
  auto coll = collection(name);
  FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
  mongoc_find_and_modify_opts_set_flags(opts.get(), MONGOC_FIND_AND_MODIFY_REMOVE);
  const auto extra = write_options();
  mongoc_find_and_modify_opts_append(opts.get(), extra.get());
  return run_find_and_modify(coll.get(), filter, opts.get(), what);
}

Result<std::int64_t> Operations::update_one(std::string_view name, const BsonDoc& filter,
                                            const BsonDoc& update, bool upsert,
                                            std::string_view what) {
  MESSENGER_TRY(start(what));
  auto coll = collection(name);
  auto opts = write_options();
  if (upsert) opts.boolean("upsert", true);
  ReplyDoc reply;
  bson_error_t error;
  if (!mongoc_collection_update_one(coll.get(), filter.get(), update.get(), opts.get(), reply.out(),
                                    &error)) {
    return failed(error, what);
  }
  const auto counts = BsonDoc::copy_of(reply.get());
  return counts.int64("matchedCount") + counts.int64("upsertedCount");
}

Result<std::int64_t> Operations::delete_many(std::string_view name, const BsonDoc& filter,
                                             std::string_view what) {
  MESSENGER_TRY(start(what));
  auto coll = collection(name);
  ReplyDoc reply;
  bson_error_t error;
  if (!mongoc_collection_delete_many(coll.get(), filter.get(), write_options().get(), reply.out(),
                                     &error)) {
    return failed(error, what);
  }
  return BsonDoc::copy_of(reply.get()).int64("deletedCount");
}

Result<std::int64_t> Operations::count(std::string_view name, const BsonDoc& filter,
                                       std::string_view what) {
  MESSENGER_TRY(start(what));
  auto coll = collection(name);
  bson_error_t error;
  const std::int64_t n = mongoc_collection_count_documents(coll.get(), filter.get(), nullptr,
                                                           nullptr, nullptr, &error);
  if (n < 0) return failed(error, what);
  return n;
}

Result<std::vector<std::string>> Operations::index_names(std::string_view name) {
  auto coll = collection(name);
  CursorPtr cursor(mongoc_collection_find_indexes_with_opts(coll.get(), nullptr));
  std::vector<std::string> out;
  const bson_t* item = nullptr;
  while (mongoc_cursor_next(cursor.get(), &item)) {
    out.push_back(BsonDoc::copy_of(item).string("name"));
  }
  bson_error_t error;
  if (mongoc_cursor_error(cursor.get(), &error)) {
    constexpr std::uint32_t kNamespaceNotFound = 26;
    if (error.code == kNamespaceNotFound) return std::vector<std::string>{};
    return failed(error, fmt::format("list the indexes of {}", name));
  }
  return out;
}

Result<BsonDoc> Operations::command(const BsonDoc& command, std::string_view what) {
  MESSENGER_TRY(start(what));
  ReplyDoc reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client_, database_.c_str(), command.get(), nullptr, reply.out(),
                                    &error)) {
    return failed(error, what);
  }
  return BsonDoc::copy_of(reply.get());
}

Result<BsonDoc> Operations::admin_command(const BsonDoc& command, std::string_view what) {
  ReplyDoc reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client_, "admin", command.get(), nullptr, reply.out(),
                                    &error)) {
    return failed(error, what);
  }
  return BsonDoc::copy_of(reply.get());
}

// ---- Connection ----

Result<Connection> Connection::create(const MongoOptions& options) {
  init_driver_once();
  Connection out;
  out.options_ = options;
  bson_error_t error;
  out.uri_.reset(mongoc_uri_new_with_error(options.uri.c_str(), &error));
  if (!out.uri_) {
    return Error{Errc::bad_request,
                 fmt::format("invalid MongoDB URI: {}", static_cast<const char*>(error.message))};
  }
  const char* database = mongoc_uri_get_database(out.uri_.get());
  if (database == nullptr || *database == '\0') {
    return Error{Errc::bad_request,
                 "the MongoDB URI names no database: add it after the host, e.g. "
                 "mongodb://host:27017/messenger"};
  }
  out.database_ = database;
  out.address_ = hosts_of(out.uri_.get());
  auto* uri = out.uri_.get();
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                 options.server_selection_timeout_ms);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, options.connect_timeout_ms);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, options.socket_timeout_ms);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, options.pool_size);
  mongoc_uri_set_appname(uri, "messenger-server");

  out.durable_.reset(mongoc_write_concern_new());
  if (options.write_concern == "majority") {
    mongoc_write_concern_set_w(out.durable_.get(), MONGOC_WRITE_CONCERN_W_MAJORITY);
  } else {
    int w = 0;
    try {
      w = std::stoi(options.write_concern);
    } catch (const std::exception&) {
      w = 0;
    }
    if (w < 1) {
      return Error{Errc::bad_request,
                   fmt::format("invalid MongoDB write concern '{}': use \"majority\" or a "
                               "number of members of at least 1",
                               options.write_concern)};
    }
    mongoc_write_concern_set_w(out.durable_.get(), w);
  }
  mongoc_write_concern_set_journal(out.durable_.get(), options.journal);

  out.pool_.reset(mongoc_client_pool_new(uri));
  if (!out.pool_) {
    return Error{Errc::bad_request,
                 fmt::format("cannot create a MongoDB client pool for {}", out.address_)};
  }
  mongoc_client_pool_set_error_api(out.pool_.get(), MONGOC_ERROR_API_VERSION_2);
  // Counted where libmongoc sends them, so that a cursor's getMore counts as well as its find.
  const ApmCallbacksPtr monitoring(mongoc_apm_callbacks_new());
  mongoc_apm_set_command_started_cb(
      monitoring.get(), [](const mongoc_apm_command_started_t* event) {
        static_cast<std::atomic<std::uint64_t>*>(mongoc_apm_command_started_get_context(event))
            ->fetch_add(1, std::memory_order_relaxed);
      });
  mongoc_client_pool_set_apm_callbacks(out.pool_.get(), monitoring.get(), out.commands_sent_.get());
  return out;
}

}  // namespace messenger::storage::mongo
