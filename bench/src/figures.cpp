#include "figures.h"

#include <fmt/format.h>

#include <cmath>

namespace messenger::bench {
namespace {

double round2(double v) {
  return std::round(v * 100) / 100;
}

double per_message_us(std::int64_t cpu_ns, std::uint64_t delivered) {
  return delivered == 0
             ? 0.0
             : round2(static_cast<double>(cpu_ns) / 1e3 / static_cast<double>(delivered));
}

double utilization(std::int64_t cpu_ns, std::int64_t window_ns) {
  return window_ns > 0
             ? round2(100.0 * static_cast<double>(cpu_ns) / static_cast<double>(window_ns))
             : 0.0;
}

}  // namespace

nlohmann::json generator_window_json(std::int64_t self_cpu_ns, std::int64_t window_ns,
                                     std::uint64_t delivered) {
  return {{"cpu_s", round2(static_cast<double>(self_cpu_ns) / 1e9)},
          {"cpu_percent", utilization(self_cpu_ns, window_ns)},
          {"cpu_us_per_msg", per_message_us(self_cpu_ns, delivered)}};
}

nlohmann::json server_window_json(int pid, const ServerSample& start, const ServerSample& end,
                                  std::int64_t window_ns, std::uint64_t delivered) {
  nlohmann::json server = {{"pid", pid}};
  if (start.cpu_ns && end.cpu_ns) {
    const std::int64_t cpu = *end.cpu_ns - *start.cpu_ns;
    server["cpu_s"] = round2(static_cast<double>(cpu) / 1e9);
    server["cpu_percent"] = utilization(cpu, window_ns);
    server["cpu_us_per_msg"] = per_message_us(cpu, delivered);
  }
  if (end.rss_bytes) server["rss_bytes"] = *end.rss_bytes;
  return server;
}

std::string server_window_summary(const nlohmann::json& server) {
  std::string line;
  if (server.contains("cpu_us_per_msg")) {
    line +=
        fmt::format(" server_cpu={:.1f}us/msg ({:.0f}%)", server["cpu_us_per_msg"].get<double>(),
                    server["cpu_percent"].get<double>());
  }
  if (server.contains("rss_bytes")) {
    line += " server_rss=" + format_bytes(server["rss_bytes"].get<double>());
  }
  return line;
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
                    {"cpu_us_per_login", per_message_us(f.self_cpu_burst_ns, ready)}};
  nlohmann::json server = {{"pid", server_pid}};
  if (f.before.rss_bytes) server["rss_before"] = *f.before.rss_bytes;
  if (f.after_burst.rss_bytes) server["rss_after_burst"] = *f.after_burst.rss_bytes;
  if (f.idle.rss_bytes) server["rss_idle"] = *f.idle.rss_bytes;
  if (f.before.rss_bytes && f.idle.rss_bytes && ready > 0) {
    server["rss_per_connection"] = round2(
        static_cast<double>(*f.idle.rss_bytes - *f.before.rss_bytes) / static_cast<double>(ready));
  }
  if (f.before.cpu_ns && f.after_burst.cpu_ns && ready > 0) {
    const auto cpu = *f.after_burst.cpu_ns - *f.before.cpu_ns;
    server["cpu_s_burst"] = round2(static_cast<double>(cpu) / 1e9);
    server["cpu_us_per_login"] = per_message_us(cpu, ready);
  }
  r["server"] = server;
}

std::string login_summary(const nlohmann::json& r, const Totals& totals) {
  const auto& login = totals.latency(Latency::login);
  std::string line =
      fmt::format("logins={:.0f}/s login_p50={} p99={} errors={} bench_cpu={:.0f}us/login",
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
    line += " per_connection=" + format_bytes(server["rss_per_connection"].get<double>());
  }
  return line;
}

}  // namespace messenger::bench
