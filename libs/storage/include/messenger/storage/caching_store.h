#pragma once

#include <cstddef>
#include <memory>

#include "messenger/storage/store.h"

namespace messenger::storage {

/// Default bound of make_caching_store: conversations whose row and members are kept.
inline constexpr std::size_t kDefaultConversationCacheSize = 100'000;

/// How long the cache keeps what it read.
enum class CacheLifetime {
  /// Until this process changes it: for a database this process alone writes (the embedded
  /// store).
  process,
  /// One unit of work, a batch of requests (begin() to commit() or rollback()); outside a unit
  /// every read goes to the store. For a database several servers share (MongoDB): what a batch
  /// has read it keeps until it ends, and the next batch reads again.
  unit,
};

/// Wraps `inner` with a cache of conversation rows and member lists, so that the reads every
/// send makes (the conversation, the sender's membership, the receivers) cost no query. Every
/// write goes through the wrapper, which keeps the cache equal to what `inner` holds; a
/// rollback empties it. So within its `lifetime` the cache is only correct when this process is
/// the only writer of the data. At most `max_conversations` are kept; past that the cache starts
/// over empty.
std::unique_ptr<Store> make_caching_store(std::unique_ptr<Store> inner,
                                          std::size_t max_conversations,
                                          CacheLifetime lifetime = CacheLifetime::process);

}  // namespace messenger::storage
