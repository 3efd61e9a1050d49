#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "connection.h"
#include "messenger/core/clock.h"
#include "messenger/core/ids.h"
#include "messenger/protocol/messages.h"
#include "messenger/storage/store.h"
#include "metrics.h"
#include "service_config.h"

namespace messenger::service {

/// The server's behaviour: accounts, conversations, messages, presence, admin. No sockets, no
/// SQL. All state is touched by one service thread; the entry points below are thread-safe and
/// only enqueue. Work that arrives together is handled as one batch inside one store unit of
/// work (group commit); replies and events of a batch are released only after its commit.
class Service {
 public:
  Service(storage::Store& store, const core::Clock& clock, Metrics& metrics, ServiceConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Starts the service thread and the password-hashing threads.
  void start();
  /// Graceful shutdown: stops taking new work, handles everything queued so far, commits, closes
  /// every connection with going_away, and joins the threads. Idempotent.
  void stop();

  // ---- thread-safe entry points ----
  void connect(core::ConnectionId id, std::shared_ptr<Connection> connection,
               std::string remote_address);
  /// `arrived`: when the IO thread finished reading the request's frame, where a stored
  /// message's time in the server (messenger_message_seconds) starts.
  void request(core::ConnectionId id, protocol::Request request,
               std::chrono::steady_clock::time_point arrived = std::chrono::steady_clock::now());
  void disconnect(core::ConnectionId id);

  /// Creates the first administrator when the store has no users. Returns the password used
  /// (the given one, or a generated one), or an empty string when users already exist.
  /// Call before start().
  core::Result<std::string> bootstrap_admin(const std::string& username,
                                            const std::string& password);

  /// For tests without threads: handles queued work on the calling thread until nothing is
  /// queued and no password hashing is outstanding. Only when start() was not called.
  void run_until_idle();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace messenger::service
