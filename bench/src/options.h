#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "client.h"
#include "frame_parser.h"
#include "ws_connection.h"

namespace messenger::bench {

/// Options every scenario takes.
struct CommonOptions {
  std::string url;
  Target target;
  int threads = 1;
  std::string json_file;
  int server_pid = 0;  // 0: no server figures
  std::string state_file;
  bool setup = false;  // create users and conversations first (always for `setup`)
  std::string admin_user = "admin";
  std::string admin_password;
  std::string user_prefix = "bench";
  std::string user_password = "bench-password";
  std::size_t users = 0;  // 0: as many as the scenario needs
  AuthMode auth = AuthMode::password;
  std::size_t connect_concurrency = 200;
  double connect_timeout_s = 60;
  ParserKind parser = ParserKind::fast;
  bool check = false;  // exit 1 unless the run is clean (no errors, something delivered)
  bool quiet = false;
};

/// The load of `chat` and, but for `clients`, of `fanout`.
struct ChatOptions {
  std::size_t clients = 100;
  double rate = 0;            // offered msg/s over all clients; 0 = closed loop
  std::vector<double> rates;  // --rates: steps of offered msg/s, until one saturates
  std::size_t window = 1;     // closed loop: messages in flight per client
  double duration_s = 10;
  double warmup_s = 2;
  std::size_t text_bytes = 100;
  double drain_s = 5;                 // after the window: wait for outstanding acks and deliveries
  std::int64_t max_in_flight = 1000;  // open loop: per client; beyond it sends are skipped
  // Open loop: pacing timer period. 100 µs spreads the sends as independent people would; 1 ms
  // sent bursts that flattered the server's batching (docs/benchmarks.md, stop 14).
  std::int64_t tick_us = 100;
  // --latency-log: every measured delivery's step, send time and latency, for the tail's time
  // series (docs: bench/README.md).
  std::string latency_log;
};

struct FanoutOptions {
  std::size_t members = 200;  // of one public channel, each on its own connection
  std::size_t senders = 4;    // the first members; they share the offered rate
};

struct ConnectOptions {
  std::size_t connections = 1000;
  double hold_s = 5;  // idle time before the last RSS reading
};

}  // namespace messenger::bench
