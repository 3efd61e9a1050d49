#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime.h"
#include "scenario.h"

namespace messenger::bench {

// Figures that every protocol's scenarios report in the same form (WebSocket and XMPP).

/// "generator": the generator's CPU over a measured window, per message delivered in it.
nlohmann::json generator_window_json(std::int64_t self_cpu_ns, std::int64_t window_ns,
                                     std::uint64_t delivered);
/// "server": the server's CPU over the window (when sampled), per message delivered, and RSS.
nlohmann::json server_window_json(int pid, const ServerSample& start, const ServerSample& end,
                                  std::int64_t window_ns, std::uint64_t delivered);
/// " server_cpu=…us/msg (…%) server_rss=…" from server_window_json's result.
std::string server_window_summary(const nlohmann::json& server);

/// What an idle run measured around its burst of logins.
struct LoginFigures {
  ConnectReport connect;
  std::size_t still_open = 0;
  ServerSample before;
  ServerSample after_burst;
  ServerSample idle;
  std::int64_t self_cpu_burst_ns = 0;
};

/// Adds "connect", "errors", "generator" and "server" of an idle run to `results`.
void add_login_json(nlohmann::json& results, int server_pid, const LoginFigures& figures,
                    const Totals& totals);
/// "logins=…/s login_p50=… p99=… errors=… bench_cpu=… server_cpu=… server_rss_before=…" from
/// the results add_login_json filled.
std::string login_summary(const nlohmann::json& results, const Totals& totals);

}  // namespace messenger::bench
