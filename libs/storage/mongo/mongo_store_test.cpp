// The MongoDB store against a real MongoDB-protocol server (FerretDB, or the server of
// MESSENGER_TEST_MONGO_URI): the store conformance suite, then what only MongoDB has (schema
// version in the database, unreachable servers, several stores on one database).

#include "messenger/storage/mongo_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "messenger/storage/caching_store.h"
#include "messenger/testing/mongo_test_server.h"
#include "store_conformance.h"

namespace messenger::storage {
namespace {

using conformance::code_of;
using conformance::expect_ok;
using conformance::fields;
using core::ConversationKind;
using core::MemberRole;
using test_support::mongo_test_uri;
using test_support::unique_database_name;

/// Short timeouts: a test that cannot reach its server fails in seconds, not minutes.
MongoOptions test_options(std::string uri) {
  return {.uri = std::move(uri),
          .pool_size = 2,
          .server_selection_timeout_ms = 5000,
          .connect_timeout_ms = 3000,
          .socket_timeout_ms = 10000};
}

// ---- a plain libmongoc client, to look at and change a database from outside the store ----

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* handle) const noexcept {
    Destroy(handle);
  }
};
using UriPtr = std::unique_ptr<mongoc_uri_t, Deleter<mongoc_uri_destroy>>;
using ClientPtr = std::unique_ptr<mongoc_client_t, Deleter<mongoc_client_destroy>>;
using DatabasePtr = std::unique_ptr<mongoc_database_t, Deleter<mongoc_database_destroy>>;
using CollectionPtr = std::unique_ptr<mongoc_collection_t, Deleter<mongoc_collection_destroy>>;
using CursorPtr = std::unique_ptr<mongoc_cursor_t, Deleter<mongoc_cursor_destroy>>;
using CharPtr = std::unique_ptr<char, Deleter<bson_free>>;
using StringsPtr = std::unique_ptr<char*, Deleter<bson_strfreev>>;

/// Owns a bson_t from bson_new, BCON_NEW or bson_copy (not a unique_ptr: bson_t's alignment
/// attribute makes it a poor template argument).
class BsonPtr {
 public:
  BsonPtr() = default;
  explicit BsonPtr(bson_t* document) : document_(document) {}
  BsonPtr(BsonPtr&& other) noexcept : document_(std::exchange(other.document_, nullptr)) {}
  BsonPtr& operator=(BsonPtr&& other) noexcept {
    std::swap(document_, other.document_);
    return *this;
  }
  BsonPtr(const BsonPtr&) = delete;
  BsonPtr& operator=(const BsonPtr&) = delete;
  ~BsonPtr() {
    if (document_ != nullptr) bson_destroy(document_);
  }
  [[nodiscard]] bson_t* get() const { return document_; }
  explicit operator bool() const { return document_ != nullptr; }

 private:
  bson_t* document_ = nullptr;
};

std::string json_of(const bson_t* document) {
  const CharPtr json(bson_as_relaxed_extended_json(document, nullptr));
  return json ? std::string(json.get()) : std::string("(not representable as JSON)");
}

/// Every document of a cursor as relaxed extended JSON; records a test failure on error.
std::vector<std::string> drain(mongoc_cursor_t* cursor, std::string_view what) {
  std::vector<std::string> out;
  const bson_t* document = nullptr;
  while (mongoc_cursor_next(cursor, &document)) out.push_back(json_of(document));
  bson_error_t error;
  if (mongoc_cursor_error(cursor, &error)) ADD_FAILURE() << what << ": " << error.message;
  return out;
}

struct IndexInfo {
  std::vector<std::string> keys;  // the key's field names, in order
  bool unique = false;
};

IndexInfo index_info(const bson_t* index) {
  IndexInfo out;
  bson_iter_t iter;
  bson_iter_t key;
  if (bson_iter_init_find(&iter, index, "key") && BSON_ITER_HOLDS_DOCUMENT(&iter) &&
      bson_iter_recurse(&iter, &key)) {
    while (bson_iter_next(&key)) out.keys.emplace_back(bson_iter_key(&key));
  }
  out.unique = bson_iter_init_find(&iter, index, "unique") && bson_iter_as_bool(&iter);
  return out;
}

/// What a test compares to show that opening a store left a database alone.
struct Snapshot {
  std::vector<std::string> collections;
  std::map<std::string, std::vector<std::string>> indexes;    // by collection, as JSON
  std::map<std::string, std::vector<std::string>> documents;  // by collection, as JSON
  bool operator==(const Snapshot&) const = default;
};

void PrintTo(const Snapshot& snapshot, std::ostream* out) {
  for (const auto& name : snapshot.collections) {
    *out << "\n  " << name << ": indexes";
    for (const auto& index : snapshot.indexes.at(name)) *out << " " << index;
    *out << "; documents";
    for (const auto& document : snapshot.documents.at(name)) *out << " " << document;
  }
}

/// One database of the test server, through a client of its own.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& uri) {
    mongoc_init();  // once per process; the store calls it too
    bson_error_t error;
    UriPtr parsed(mongoc_uri_new_with_error(uri.c_str(), &error));
    if (!parsed) throw std::invalid_argument("bad test URI " + uri + ": " + error.message);
    mongoc_uri_set_option_as_int32(parsed.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    client_.reset(mongoc_client_new_from_uri_with_error(parsed.get(), &error));
    if (!client_) throw std::invalid_argument("no client for " + uri + ": " + error.message);
    mongoc_client_set_error_api(client_.get(), MONGOC_ERROR_API_VERSION_2);
    name_ = mongoc_uri_get_database(parsed.get());
    database_.reset(mongoc_client_get_database(client_.get(), name_.c_str()));
  }

  void drop() {
    bson_error_t error;
    if (!mongoc_database_drop_with_opts(database_.get(), nullptr, &error)) {
      ADD_FAILURE() << "cannot drop the test database " << name_ << ": " << error.message;
    }
  }

  std::vector<std::string> collection_names() {
    bson_error_t error;
    const StringsPtr names(
        mongoc_database_get_collection_names_with_opts(database_.get(), nullptr, &error));
    std::vector<std::string> out;
    if (!names) ADD_FAILURE() << "listCollections on " << name_ << ": " << error.message;
    for (char** name = names.get(); name != nullptr && *name != nullptr; ++name) {
      out.emplace_back(*name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<IndexInfo> indexes(const std::string& collection) {
    std::vector<IndexInfo> out;
    const auto cursor = find_indexes(collection);
    const bson_t* index = nullptr;
    while (mongoc_cursor_next(cursor.get(), &index)) out.push_back(index_info(index));
    return out;
  }

  /// The documents of a collection, in _id order, as JSON.
  std::vector<std::string> documents(const std::string& collection) {
    const BsonPtr filter(bson_new());
    const BsonPtr options(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
    const CursorPtr cursor(mongoc_collection_find_with_opts(get(collection).get(), filter.get(),
                                                            options.get(), nullptr));
    return drain(cursor.get(), "find in " + collection);
  }

  Snapshot snapshot() {
    Snapshot out;
    out.collections = collection_names();
    for (const auto& name : out.collections) {
      out.indexes[name] = drain(find_indexes(name).get(), "listIndexes " + name);
      std::sort(out.indexes[name].begin(), out.indexes[name].end());
      out.documents[name] = documents(name);
    }
    return out;
  }

  /// The `version` of the meta document {_id: "schema"} as a number, or nullopt.
  std::optional<std::int64_t> schema_version() {
    const auto schema = find_schema();
    bson_iter_t iter;
    if (!schema || !bson_iter_init_find(&iter, schema.get(), "version") ||
        !BSON_ITER_HOLDS_NUMBER(&iter)) {
      return std::nullopt;
    }
    return bson_iter_as_int64(&iter);
  }

  /// Sets the schema version, keeping the number type the store wrote.
  void set_schema_version(std::int64_t version) {
    const auto schema = find_schema();
    bson_iter_t iter;
    const bool int32 = schema && bson_iter_init_find(&iter, schema.get(), "version") &&
                       BSON_ITER_HOLDS_INT32(&iter);
    const BsonPtr selector(BCON_NEW("_id", BCON_UTF8("schema")));
    const BsonPtr update(int32 ? BCON_NEW("$set", "{", "version",
                                          BCON_INT32(static_cast<std::int32_t>(version)), "}")
                               : BCON_NEW("$set", "{", "version", BCON_INT64(version), "}"));
    bson_error_t error;
    if (!mongoc_collection_update_one(get("meta").get(), selector.get(), update.get(), nullptr,
                                      nullptr, &error)) {
      ADD_FAILURE() << "cannot set the schema version: " << error.message;
    }
  }

 private:
  CollectionPtr get(const std::string& collection) {
    return CollectionPtr(mongoc_database_get_collection(database_.get(), collection.c_str()));
  }

  CursorPtr find_indexes(const std::string& collection) {
    return CursorPtr(mongoc_collection_find_indexes_with_opts(get(collection).get(), nullptr));
  }

  BsonPtr find_schema() {
    const BsonPtr filter(BCON_NEW("_id", BCON_UTF8("schema")));
    const CursorPtr cursor(
        mongoc_collection_find_with_opts(get("meta").get(), filter.get(), nullptr, nullptr));
    const bson_t* document = nullptr;
    if (!mongoc_cursor_next(cursor.get(), &document)) return {};
    return BsonPtr(bson_copy(document));
  }

  ClientPtr client_;
  DatabasePtr database_;
  std::string name_;
};

// ---- the conformance suite on a fresh database per test ----

/// The store as the server opens it when `cached`: behind a cache that keeps what it read for
/// one unit of work.
conformance::StoreBackend mongo_backend(bool cached) {
  // The URI of the running test's database, shared by the two functions (not a global).
  auto current = std::make_shared<std::string>();
  return {.name = cached ? "MongoUnitCache" : "Mongo",
          .make_store = [current, cached]() -> std::unique_ptr<Store> {
            const auto uri = mongo_test_uri(unique_database_name("conf"));
            *current = uri;
            RawDatabase(uri).drop();  // a leftover of a crashed earlier run with this pid
            auto store = open_mongo_store(test_options(uri));
            EXPECT_TRUE(store.ok()) << store.error().message;
            if (!store.ok()) return nullptr;
            if (!cached) return std::move(store).value();
            return make_caching_store(std::move(store).value(), kDefaultConversationCacheSize,
                                      CacheLifetime::unit);
          },
          .after_test =
              [current] {
                if (!current->empty()) RawDatabase(*current).drop();
                current->clear();
              }};
}

}  // namespace

namespace conformance {
INSTANTIATE_TEST_SUITE_P(Mongo, StoreConformance,
                         ::testing::Values(mongo_backend(false), mongo_backend(true)),
                         backend_name);
}  // namespace conformance

namespace {

// ---- MongoDB only ----

class MongoStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uri_ = mongo_test_uri(unique_database_name("mongo"));
    raw_ = std::make_unique<RawDatabase>(uri_);
    raw_->drop();
  }
  void TearDown() override {
    if (raw_) raw_->drop();
  }

  std::unique_ptr<Store> open() {
    auto store = open_mongo_store(test_options(uri_));
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }
  RawDatabase& raw() { return *raw_; }

  std::string uri_;
  std::unique_ptr<RawDatabase> raw_;
};

bool has_unique_index(const std::vector<IndexInfo>& indexes, const std::vector<std::string>& keys) {
  return std::any_of(indexes.begin(), indexes.end(),
                     [&](const IndexInfo& index) { return index.unique && index.keys == keys; });
}

TEST_F(MongoStoreTest, NewDatabaseGetsASchemaVersionAndTheUniqueIndexes) {
  ASSERT_NE(open(), nullptr);
  const auto version = raw().schema_version();
  ASSERT_TRUE(version.has_value()) << "no meta document {_id: \"schema\"} with a version";
  EXPECT_GE(*version, 1);
  EXPECT_TRUE(has_unique_index(raw().indexes("messages"), {"conversation_id", "seq"}));
  EXPECT_TRUE(has_unique_index(raw().indexes("messages"), {"sender_id", "client_msg_id"}));
  EXPECT_TRUE(has_unique_index(raw().indexes("users"), {"username"}));
}

TEST_F(MongoStoreTest, NewerSchemaIsRefusedAndTheDatabaseIsLeftAlone) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    expect_ok(store->create_user(conformance::new_user("alice")));
  }
  raw().set_schema_version(999);
  const auto before = raw().snapshot();
  ASSERT_EQ(raw().schema_version(), 999);

  const auto store = open_mongo_store(test_options(uri_));
  ASSERT_EQ(code_of(store), "unavailable");
  const auto& message = store.error().message;
  EXPECT_NE(message.find("999"), std::string::npos) << message;
  EXPECT_NE(message.find("newer"), std::string::npos) << message;
  EXPECT_EQ(raw().snapshot(), before);
}

/// A port on 127.0.0.1 where nothing listens: bound by the system, then closed again.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

TEST(MongoStoreUnreachable, FailsWithinTheTimeoutWithAMessageNamingTheAddress) {
  const int port = closed_port();
  ASSERT_NE(port, 0);
  const auto address = "127.0.0.1:" + std::to_string(port);
  auto options = test_options("mongodb://" + address + "/messenger");
  options.server_selection_timeout_ms = 1000;
  options.connect_timeout_ms = 1000;

  const auto started = std::chrono::steady_clock::now();
  const auto store = open_mongo_store(options);
  const auto took = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(code_of(store), "unavailable");
  EXPECT_NE(store.error().message.find(address), std::string::npos) << store.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));
}

/// A group conversation "team" with `owner` as its one member.
Conversation create_team(Store& store, const User& owner) {
  Conversation input;
  input.kind = ConversationKind::group;
  input.name = "team";
  input.created_by = owner.id;
  input.created_at = 1;
  const std::vector<Member> members{{owner.id, MemberRole::owner, Seq(), 1}};
  return expect_ok(store.create_conversation(input, members));
}

TEST_F(MongoStoreTest, OpeningTwiceIsFineAndDataSurvivesReopening) {
  auto first = open();
  ASSERT_NE(first, nullptr);
  expect_ok(first->begin());
  const auto alice = expect_ok(first->create_user(conformance::new_user("alice")));
  const auto team = create_team(*first, alice);
  const std::vector<NewMessage> batch{{team.id, alice.id, "c1", "one", 2},
                                      {team.id, alice.id, "c2", "two", 3}};
  const auto sent = expect_ok(first->append_messages(batch));
  expect_ok(first->commit());
  const auto schema = raw().snapshot().indexes;

  // A second store on the same database while the first is open: the indexes again, unchanged.
  auto second = open();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(raw().snapshot().indexes, schema);
  const auto found = expect_ok(second->find_user(alice.id));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(fields(*found), fields(alice));
  first.reset();
  second.reset();

  auto third = open();
  ASSERT_NE(third, nullptr);
  const auto history = expect_ok(third->history(team.id, {}));
  EXPECT_EQ(conformance::all_fields(history), conformance::all_fields(sent));
  const NewMessage next{team.id, alice.id, "c3", "three", 4};
  const auto appended = expect_ok(third->append_messages({&next, 1}));
  ASSERT_EQ(appended.size(), 1U);
  EXPECT_EQ(appended[0].seq, Seq(3));
}

/// messenger_mongodb_operations_total of `store`.
std::uint64_t operations_sent(const Store& store) {
  for (const auto& counter : store.counters()) {
    if (std::string_view(counter.name) == "messenger_mongodb_operations_total")
      return counter.value;
  }
  ADD_FAILURE() << "no messenger_mongodb_operations_total";
  return 0;
}

// What a send costs the database, as the server makes it: the conversation and its members are
// read once per unit, then each send reads the counters, inserts and moves the counters.
TEST_F(MongoStoreTest, ASendInAUnitCostsFiveOperationsAndTheNextOneThree) {
  auto store = make_caching_store(open(), kDefaultConversationCacheSize, CacheLifetime::unit);
  const auto alice = expect_ok(store->create_user(conformance::new_user("alice")));
  const auto team = create_team(*store, alice);
  // What the service does for each msg.send: the conversation, the sender's membership, the
  // append, the receivers.
  const auto send = [&](const char* id) {
    ASSERT_TRUE(expect_ok(store->find_conversation(team.id)).has_value());
    ASSERT_TRUE(expect_ok(store->find_member(team.id, alice.id)).has_value());
    const NewMessage message{team.id, alice.id, id, "hello", 2};
    expect_ok(store->append_messages({&message, 1}));
    EXPECT_EQ(expect_ok(store->members(team.id)).size(), 1U);
  };

  // The process's first look at the conversation also checks its counters against its messages
  // (reconcile_counters).
  expect_ok(store->begin());
  send("first");
  expect_ok(store->commit());

  expect_ok(store->begin());
  const auto before = operations_sent(*store);
  send("second");
  // The conversation and the member list, then the counters, the insert, their findAndModify.
  EXPECT_EQ(operations_sent(*store) - before, 5U);
  send("third");
  EXPECT_EQ(operations_sent(*store) - before, 8U);  // the counters, the insert, the findAndModify
  expect_ok(store->commit());
  EXPECT_EQ(operations_sent(*store) - before, 9U);  // the commit's durable write
  std::vector<std::int64_t> seqs;
  for (const auto& m : expect_ok(store->history(team.id, {}))) seqs.push_back(m.seq.value());
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3}));
}

// A read of more documents than the server's first batch (101) takes a getMore too, and the
// counter counts both: it is what libmongoc sent, not what the store asked for.
TEST_F(MongoStoreTest, AReadPastTheFirstBatchCountsItsGetMore) {
  auto store = open();
  const auto owner = expect_ok(store->create_user(conformance::new_user("owner")));
  Conversation input;
  input.kind = ConversationKind::group;
  input.name = "everyone";
  input.created_by = owner.id;
  input.created_at = 1;
  std::vector<Member> members{{owner.id, MemberRole::owner, Seq(), 1}};
  for (int i = 0; i < 150; ++i) {
    const auto user =
        expect_ok(store->create_user(conformance::new_user("member" + std::to_string(i))));
    members.push_back({user.id, MemberRole::member, Seq(), 1});
  }
  const auto everyone = expect_ok(store->create_conversation(input, members));

  auto before = operations_sent(*store);
  EXPECT_EQ(expect_ok(store->members(everyone.id)).size(), 151U);
  EXPECT_EQ(operations_sent(*store) - before, 2U);  // find, then getMore for the last 50

  before = operations_sent(*store);
  EXPECT_TRUE(expect_ok(store->find_member(everyone.id, owner.id)).has_value());
  EXPECT_EQ(operations_sent(*store) - before, 1U);
}

// Two servers on one database, the first as the server opens it (its reads kept for one unit):
// the second's message and member come between the first's reads and its send. The first's
// cached counters are then behind, and its send must still take the next seq, with no gap; the
// member list it read stays its view for the rest of the unit, and the next unit reads again.
TEST_F(MongoStoreTest, TwoServersOnOneDatabaseTakeTheNextSeqFromStaleCounters) {
  auto first = make_caching_store(open(), kDefaultConversationCacheSize, CacheLifetime::unit);
  auto second = open();
  ASSERT_NE(second, nullptr);
  const auto alice = expect_ok(first->create_user(conformance::new_user("alice")));
  const auto bob = expect_ok(first->create_user(conformance::new_user("bob")));
  const auto team = create_team(*first, alice);
  const NewMessage one{team.id, alice.id, "one", "one", 2};
  expect_ok(first->append_messages({&one, 1}));

  expect_ok(first->begin());
  ASSERT_TRUE(expect_ok(first->find_conversation(team.id)).has_value());  // last_seq 1 now
  EXPECT_FALSE(expect_ok(first->find_member(team.id, bob.id)).has_value());
  const NewMessage two{team.id, alice.id, "two", "two", 3};
  EXPECT_EQ(expect_ok(second->append_messages({&two, 1})).front().seq, Seq(2));
  expect_ok(second->add_member(team.id, {bob.id, MemberRole::member, Seq(), 3}));
  const NewMessage three{team.id, alice.id, "three", "three", 4};
  const auto sent = expect_ok(first->append_messages({&three, 1}));
  EXPECT_EQ(sent.front().seq, Seq(3));
  EXPECT_EQ(sent.front().rev, Rev(3));
  EXPECT_FALSE(expect_ok(first->find_member(team.id, bob.id)).has_value());
  expect_ok(first->commit());

  expect_ok(first->begin());
  EXPECT_TRUE(expect_ok(first->find_member(team.id, bob.id)).has_value());
  const auto now = expect_ok(first->find_conversation(team.id));
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->last_seq, Seq(3));
  expect_ok(first->commit());
  std::vector<std::int64_t> seqs;
  for (const auto& m : expect_ok(second->history(team.id, {}))) seqs.push_back(m.seq.value());
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace messenger::storage
