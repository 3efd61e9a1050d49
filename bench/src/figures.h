#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "runtime.h"
#include "scenario.h"

namespace messenger::bench {

// Figures that every protocol's scenarios report in the same form (WebSocket and XMPP).

/// CPU time over a measured window: seconds, percentage of one core, and per delivery and per
/// message sent (each message makes `receivers` deliveries: 1 for a 1:1 chat).
nlohmann::json window_cpu_json(std::int64_t cpu_ns, std::int64_t window_ns, std::uint64_t delivered,
                               std::uint64_t receivers);
/// "server": the server's CPU over the window (window_cpu_json, when sampled), its RSS at the
/// end, and the bytes it had written to storage over the window (in all, per delivery, per
/// message).
nlohmann::json server_window_json(int pid, const ServerSample& start, const ServerSample& end,
                                  std::int64_t window_ns, std::uint64_t delivered,
                                  std::uint64_t receivers);
/// "server_message" latency (p50, p99 in ms, and count) of the messages the server released over
/// the window, from its messenger_message_seconds; null when either sample lacks it.
nlohmann::json server_message_json(const ServerSample& start, const ServerSample& end);
/// " NAME_p50=… p99=…" from a latency JSON in milliseconds (latency_json's or
/// server_message_json's).
std::string p50_p99_summary(std::string_view name, const nlohmann::json& latency_ms);
/// " server_cpu=…us/msg (…%) server_rss=… server_disk=…KB/msg" from server_window_json's
/// result; per delivery instead of per message when a message has several receivers.
std::string server_window_summary(const nlohmann::json& server, bool per_message);

/// What a connect run measured around its burst of logins.
struct LoginFigures {
  ConnectReport connect;
  std::size_t still_open = 0;
  ServerSample before;
  ServerSample after_burst;
  ServerSample idle;
  std::int64_t self_cpu_burst_ns = 0;

  /// "only R of N connections logged in", or empty when all did.
  [[nodiscard]] std::string shortfall() const;
  /// Every connection logged in and was still open after the hold.
  [[nodiscard]] bool complete() const {
    return connect.ready == connect.attempted && still_open == connect.attempted;
  }
};

/// Adds "connect", "errors", "generator" and "server" of a connect run to `results`.
void add_login_json(nlohmann::json& results, int server_pid, const LoginFigures& figures,
                    const Totals& totals);
/// "logins=…/s login_p50=… p99=… errors=… bench_cpu=… server_cpu=… server_rss_before=…" from
/// the results add_login_json filled; `logins` names what was counted (e.g. "resumes").
std::string login_summary(const nlohmann::json& results, const Totals& totals,
                          std::string_view logins);

}  // namespace messenger::bench
