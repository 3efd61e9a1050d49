#pragma once

#include <cstddef>
#include <memory>

#include "messenger/storage/store.h"

namespace messenger::storage {

/// Default bound of make_caching_store: conversations whose row and members are kept.
inline constexpr std::size_t kDefaultConversationCacheSize = 100'000;

/// Wraps `inner` with a cache of conversation rows and member lists, so that the reads every
/// send makes (the conversation, the sender's membership, the receivers) cost no query. Every
/// write goes through the wrapper, which keeps the cache equal to what `inner` holds; a
/// rollback empties it. So the cache is only correct when this process is the only writer of
/// the data: use it for the embedded SQLite store, not for a database several servers share.
/// At most `max_conversations` are kept; past that the cache starts over empty.
std::unique_ptr<Store> make_caching_store(std::unique_ptr<Store> inner,
                                          std::size_t max_conversations);

}  // namespace messenger::storage
