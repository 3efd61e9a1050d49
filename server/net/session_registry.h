#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace messenger::net {

/// A live connection (HTTP or WebSocket) as the Server sees it at shutdown. Both calls may come
/// from any thread and only post to the session's strand.
class Stoppable {
 public:
  virtual ~Stoppable() = default;
  /// Graceful: a WebSocket session flushes and closes with going_away; HTTP just closes.
  virtual void shutdown() = 0;
  /// Hard: closes the socket at once, cancelling every pending operation.
  virtual void abort() = 0;
};

/// The connections of one Server, keyed by connection id, so that stop() can close them and
/// wait (bounded) until they are gone. Holds weak references only.
class SessionRegistry {
 public:
  /// Registers (or replaces, after an upgrade) the session for `id`. Returns false when the
  /// server is stopping: the caller should then close the session itself.
  bool add(std::int64_t id, std::weak_ptr<Stoppable> session, const Stoppable* self);
  /// Removes the entry for `id` if it still belongs to `self`.
  void remove(std::int64_t id, const Stoppable* self);

  /// Marks the registry as stopping and calls shutdown() on every session.
  void shutdown_all();
  void abort_all();
  /// Waits until no session is registered; false on timeout.
  bool wait_empty(std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<Stoppable> session;
    const Stoppable* self;
  };
  template <typename F>
  void for_each(F&& f);

  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::unordered_map<std::int64_t, Entry> sessions_;
  bool stopping_ = false;
};

}  // namespace messenger::net
