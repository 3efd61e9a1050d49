#include "figures.h"

#include <fmt/format.h>

#include <cmath>

#include "steps.h"

namespace messenger::bench {
namespace {

double utilization(std::int64_t cpu_ns, std::int64_t window_ns) {
  return window_ns > 0
             ? round2(100.0 * static_cast<double>(cpu_ns) / static_cast<double>(window_ns))
             : 0.0;
}

}  // namespace

nlohmann::json window_cpu_json(std::int64_t cpu_ns, std::int64_t window_ns, std::uint64_t delivered,
                               std::uint64_t receivers) {
  return {
      {"cpu_s", round2(static_cast<double>(cpu_ns) / 1e9)},
      {"cpu_percent", utilization(cpu_ns, window_ns)},
      {"cpu_us_per_delivery", round2(cpu_us_per(cpu_ns, delivered))},
      // Per message sent: the same as per delivery for 1:1 messages.
      {"cpu_us_per_msg", round2(cpu_us_per(cpu_ns, receivers == 0 ? 0 : delivered / receivers))}};
}

nlohmann::json server_message_json(const ServerSample& start, const ServerSample& end) {
  if (!start.message_seconds || !end.message_seconds) return nullptr;
  const auto p50 = quantile_between(*start.message_seconds, *end.message_seconds, 0.5);
  const auto p99 = quantile_between(*start.message_seconds, *end.message_seconds, 0.99);
  if (!p50 || !p99) return nullptr;
  const auto rounded_ms = [](double seconds) { return std::round(seconds * 1e6) / 1e3; };
  return {
      {"p50", rounded_ms(*p50)},
      {"p99", rounded_ms(*p99)},
      {"count", end.message_seconds->cumulative.back() - start.message_seconds->cumulative.back()}};
}

std::string p50_p99_summary(std::string_view name, const nlohmann::json& latency_ms) {
  const auto ms = [](const nlohmann::json& value) {
    return format_ms(static_cast<std::uint64_t>(value.get<double>() * 1e6));
  };
  return fmt::format(" {}_p50={} p99={}", name, ms(latency_ms["p50"]), ms(latency_ms["p99"]));
}

nlohmann::json server_window_json(int pid, const ServerSample& start, const ServerSample& end,
                                  std::int64_t window_ns, std::uint64_t delivered,
                                  std::uint64_t receivers) {
  nlohmann::json server = {{"pid", pid}};
  if (start.cpu_ns && end.cpu_ns) {
    server.update(window_cpu_json(*end.cpu_ns - *start.cpu_ns, window_ns, delivered, receivers));
  }
  if (end.rss_bytes) server["rss_bytes"] = *end.rss_bytes;
  if (start.storage_write_bytes && end.storage_write_bytes) {
    // The embedded store's WAL and checkpoints: what each message costs the disk (and the
    // kernel's copying), which group commit size changes a lot (docs/storage.md).
    const auto bytes = static_cast<double>(*end.storage_write_bytes - *start.storage_write_bytes);
    const std::uint64_t messages = receivers == 0 ? 0 : delivered / receivers;
    server["storage_write_bytes"] = bytes;
    if (delivered > 0) server["storage_write_bytes_per_delivery"] = round2(bytes / delivered);
    if (messages > 0) server["storage_write_bytes_per_msg"] = round2(bytes / messages);
  }
  return server;
}

std::string server_window_summary(const nlohmann::json& server, bool per_message) {
  const char* key = per_message ? "cpu_us_per_msg" : "cpu_us_per_delivery";
  std::string line;
  if (server.contains(key)) {
    line += fmt::format(" server_cpu={:.1f}us/{} ({:.0f}%)", server[key].get<double>(),
                        per_message ? "msg" : "delivery", server["cpu_percent"].get<double>());
  }
  if (server.contains("rss_bytes")) {
    line += " server_rss=" + format_bytes(server["rss_bytes"].get<double>());
  }
  const char* disk =
      per_message ? "storage_write_bytes_per_msg" : "storage_write_bytes_per_delivery";
  if (server.contains(disk)) {
    line += fmt::format(" server_disk={:.1f}KB/{}", server[disk].get<double>() / 1000.0,
                        per_message ? "msg" : "delivery");
  }
  return line;
}

std::string LoginFigures::shortfall() const {
  if (connect.ready >= connect.attempted) return {};
  return fmt::format("only {} of {} connections logged in", connect.ready, connect.attempted);
}

void add_login_json(nlohmann::json& r, int server_pid, const LoginFigures& f,
                    const Totals& totals) {
  const double seconds = f.connect.seconds();
  const auto ready = f.connect.ready;
  r["connect"] = {
      {"attempted", f.connect.attempted},
      {"ready", ready},
      {"still_open", f.still_open},
      {"seconds", round2(seconds)},
      {"logins_per_s", seconds > 0 ? round2(static_cast<double>(ready) / seconds) : 0.0},
      {"login_latency_ms", latency_json(totals.latency(Latency::login))}};
  r["errors"] = errors_json(totals);
  r["generator"] = {{"cpu_s_burst", round2(static_cast<double>(f.self_cpu_burst_ns) / 1e9)},
                    {"cpu_us_per_login", round2(cpu_us_per(f.self_cpu_burst_ns, ready))}};
  nlohmann::json server = {{"pid", server_pid}};
  if (f.before.rss_bytes) server["rss_before"] = *f.before.rss_bytes;
  if (f.after_burst.rss_bytes) server["rss_after_burst"] = *f.after_burst.rss_bytes;
  if (f.idle.rss_bytes) server["rss_idle"] = *f.idle.rss_bytes;
  if (f.before.rss_bytes && ready > 0) {
    const auto per_connection = [&](std::int64_t rss) {
      return round2(static_cast<double>(rss - *f.before.rss_bytes) / static_cast<double>(ready));
    };
    if (f.after_burst.rss_bytes) {
      server["rss_per_connection_after_burst"] = per_connection(*f.after_burst.rss_bytes);
    }
    if (f.idle.rss_bytes) server["rss_per_connection"] = per_connection(*f.idle.rss_bytes);
  }
  if (f.before.cpu_ns && f.after_burst.cpu_ns && ready > 0) {
    const auto cpu = *f.after_burst.cpu_ns - *f.before.cpu_ns;
    server["cpu_s_burst"] = round2(static_cast<double>(cpu) / 1e9);
    server["cpu_us_per_login"] = round2(cpu_us_per(cpu, ready));
  }
  r["server"] = server;
}

std::string login_summary(const nlohmann::json& r, const Totals& totals, std::string_view logins) {
  const auto& login = totals.latency(Latency::login);
  std::string line =
      fmt::format("{}={:.0f}/s login_p50={} p99={} errors={} bench_cpu={:.0f}us/login", logins,
                  r["connect"]["logins_per_s"].get<double>(), format_ms(login.percentile(0.5)),
                  format_ms(login.percentile(0.99)), totals.error_count(),
                  r["generator"]["cpu_us_per_login"].get<double>());
  const auto& server = r["server"];
  if (server.contains("cpu_us_per_login")) {
    line += fmt::format(" server_cpu={:.0f}us/login", server["cpu_us_per_login"].get<double>());
  }
  if (server.contains("rss_idle")) {
    line += " server_rss_before=" + format_bytes(server["rss_before"].get<double>()) +
            " after_burst=" + format_bytes(server["rss_after_burst"].get<double>()) +
            " idle=" + format_bytes(server["rss_idle"].get<double>());
  }
  if (server.contains("rss_per_connection")) {
    line += " per_connection_burst=" +
            format_bytes(server["rss_per_connection_after_burst"].get<double>()) +
            " idle=" + format_bytes(server["rss_per_connection"].get<double>());
  }
  return line;
}

}  // namespace messenger::bench
