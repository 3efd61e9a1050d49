#pragma once

// Owners for every libmongoc / libbson handle the MongoDB store uses: each is released exactly
// once, by its destructor.

#include <mongoc/mongoc.h>

#include <memory>

namespace messenger::storage::mongo {

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* handle) const noexcept {
    Destroy(handle);
  }
};

using UriPtr = std::unique_ptr<mongoc_uri_t, Deleter<mongoc_uri_destroy>>;
using PoolPtr = std::unique_ptr<mongoc_client_pool_t, Deleter<mongoc_client_pool_destroy>>;
using CollectionPtr = std::unique_ptr<mongoc_collection_t, Deleter<mongoc_collection_destroy>>;
using CursorPtr = std::unique_ptr<mongoc_cursor_t, Deleter<mongoc_cursor_destroy>>;
using ApmCallbacksPtr =
    std::unique_ptr<mongoc_apm_callbacks_t, Deleter<mongoc_apm_callbacks_destroy>>;
using WriteConcernPtr =
    std::unique_ptr<mongoc_write_concern_t, Deleter<mongoc_write_concern_destroy>>;
using FindAndModifyOptsPtr =
    std::unique_ptr<mongoc_find_and_modify_opts_t, Deleter<mongoc_find_and_modify_opts_destroy>>;
using DatabasePtr = std::unique_ptr<mongoc_database_t, Deleter<mongoc_database_destroy>>;

/// A reply document that libmongoc fills: it initialises the out-parameter itself (losing a
/// heap-allocated bson_t's ownership), so the reply lives on the stack and is destroyed here.
class ReplyDoc {
 public:
  ReplyDoc() = default;
  ReplyDoc(const ReplyDoc&) = delete;
  ReplyDoc& operator=(const ReplyDoc&) = delete;
  ~ReplyDoc() { bson_destroy(&doc_); }

  bson_t* out() { return &doc_; }
  [[nodiscard]] const bson_t* get() const { return &doc_; }

 private:
  bson_t doc_ = BSON_INITIALIZER;
};

/// A client borrowed from the pool, given back when this goes out of scope.
class PooledClient {
 public:
  explicit PooledClient(mongoc_client_pool_t* pool)
      : pool_(pool), client_(mongoc_client_pool_pop(pool)) {}
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;
  ~PooledClient() {
    if (client_ != nullptr) mongoc_client_pool_push(pool_, client_);
  }

  [[nodiscard]] mongoc_client_t* get() const { return client_; }

 private:
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
};

}  // namespace messenger::storage::mongo
