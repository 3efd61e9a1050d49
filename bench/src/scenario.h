#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "asio.h"
#include "client.h"
#include "metrics_text.h"
#include "options.h"
#include "runtime.h"

namespace messenger::bench {

/// One connected client in a scenario and what it needs to know about its partner.
struct Peer {
  std::shared_ptr<Client> client;
  const Account* account = nullptr;
  std::int64_t conversation_id = 0;
  std::int64_t partner_id = 0;
};

struct ConnectReport {
  std::size_t attempted = 0;
  std::size_t ready = 0;
  std::int64_t started_ns = 0;
  std::int64_t finished_ns = 0;
  [[nodiscard]] double seconds() const {
    return static_cast<double>(finished_ns - started_ns) / 1e9;
  }
};

std::int64_t seconds_to_ns(double seconds);

/// Makes `count` clients (client i is account i modulo the accounts), connects and logs them in
/// with at most options.connect_concurrency at once. Login latencies go to Latency::login,
/// failures to the errors. Clients still not ready after options.connect_timeout_s are aborted
/// and those not started by then are not started, so the call ends soon after the timeout.
asio::awaitable<ConnectReport> connect_clients(Runtime& runtime, const CommonOptions& options,
                                               const std::vector<Account>& accounts,
                                               std::size_t count, ClientObserver* observer,
                                               std::vector<Peer>& peers);

/// The conversation id in the result of conv.create, conv.invite or conv.open_direct; 0 if
/// there is none (an error reply).
std::int64_t conversation_id_of(const Reply& reply);

/// Closes every client and waits (bounded) until their connections have ended.
asio::awaitable<void> close_clients(std::vector<Peer>& peers, double timeout_s);

/// CPU, memory and storage writes of the server process, when --server-pid is given.
struct ServerSample {
  std::optional<std::int64_t> cpu_ns;
  std::optional<std::int64_t> rss_bytes;
  std::optional<std::int64_t> storage_write_bytes;
  /// messenger_message_seconds from /metrics (message scenarios on messenger-server only).
  std::optional<BucketCounts> message_seconds;
};
ServerSample sample_server(int pid);

/// Rounded figures for JSON and summaries.
double round2(double value);
/// " (most frequent error ×N)" for a summary line, or "" without errors.
std::string top_error(const Totals& totals);
nlohmann::json latency_json(const Histogram& histogram);
std::string format_ms(std::uint64_t ns);
std::string format_bytes(double bytes);
nlohmann::json errors_json(const Totals& totals);

/// Writes `results` to `path`; false (with a message on stderr) on failure.
bool write_json_file(const std::string& path, const nlohmann::json& results);
/// Writes --latency-log to `out`, opened from `path`: a comment header, then one line per
/// delivery, "step sent_ns latency_ns". False, after saying so on stderr, if a write failed.
bool write_latency_log(std::ostream& out, const std::string& path,
                       const std::vector<Delivery>& deliveries);

}  // namespace messenger::bench
