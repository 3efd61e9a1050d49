#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "messenger/protocol/limits.h"

namespace messenger::service {

struct ServiceConfig {
  protocol::Limits limits;
  std::string server_name = "messenger-server/0.1.0";

  /// Argon2id cost (libsodium crypto_pwhash). The defaults are libsodium's INTERACTIVE level;
  /// tests use the minimum.
  unsigned long long password_opslimit = 2;
  std::size_t password_memlimit = 64 * 1024 * 1024;
  /// Threads that hash and verify passwords, so logins never stall the service thread.
  int password_threads = 1;

  std::chrono::seconds session_ttl{30 * 24 * 3600};

  /// Failed logins allowed per username, and per remote address, within login_window before
  /// further attempts are refused with Errc::throttled until the window has passed.
  int max_login_failures_per_user = 5;
  int max_login_failures_per_address = 20;
  std::chrono::seconds login_window{60};

  /// A typing notice per connection and conversation at most this often; extra ones are
  /// acknowledged but not forwarded.
  std::chrono::milliseconds typing_interval{2000};

  /// Most requests handled in one group commit. Large: under a backlog each commit rewrites the
  /// index pages of every conversation it touches, so bigger batches write far fewer pages per
  /// message (1:1 chat at 1,000 clients: 1,024 saturated at ~37,000 msg/s, 16,384 was clean at
  /// 60,000 offered; docs/benchmarks.md). Without a backlog batches stay small anyway.
  std::size_t max_batch = 16'384;
  /// A batch also ends once it has queued this many outputs (frames and closes for
  /// connections, ~100 bytes each before their text): a message to a group queues one per member,
  /// so this bounds a batch's memory however large the groups. The old max_batch of 1,024
  /// messages to 1,000 members made ~10^6.
  std::size_t max_batch_outputs = 1 << 20;
  /// How long the service thread waits for more requests before it commits a small batch when
  /// they have lately come at least one per window (CommitWindow); zero never waits. 400 µs
  /// rather than 200: at 5,000-10,000 msg/s it takes a further quarter to a third off the CPU
  /// per message for ~0.2 ms of median latency, and the p99 does not move (docs/benchmarks.md,
  /// stop 15).
  std::chrono::microseconds commit_window{400};
};

}  // namespace messenger::service
