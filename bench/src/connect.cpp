#include "connect.h"

#include <fmt/format.h>

#include <cmath>

#include "proc_stats.h"

namespace messenger::bench {

ConnectScenario::ConnectScenario(Runtime& runtime, const CommonOptions& common,
                                 const ConnectOptions& options)
    : runtime_(runtime), common_(common), options_(options) {}

asio::awaitable<void> ConnectScenario::run(const std::vector<Account>& accounts) {
  if (accounts.empty()) {
    fatal_ = "no accounts";
    co_return;
  }
  if (common_.auth == AuthMode::token) {
    for (const auto& account : accounts) {
      if (account.token.empty()) {
        fatal_ = "--auth token needs tokens from setup; " + account.username + " has none";
        co_return;
      }
    }
  }
  before_ = sample_server(common_.server_pid);
  const std::int64_t cpu_before = self_cpu_ns();
  connect_ =
      co_await connect_clients(runtime_, common_, accounts, options_.connections, this, peers_);
  self_cpu_burst_ = self_cpu_ns() - cpu_before;
  after_burst_ = sample_server(common_.server_pid);
  if (connect_.ready < connect_.attempted) {
    fatal_ = fmt::format("only {} of {} connections logged in", connect_.ready, connect_.attempted);
  }
  co_await sleep_ns(static_cast<std::int64_t>(options_.hold_s * 1e9));
  idle_ = sample_server(common_.server_pid);
  still_open_ = WsConnection::live();
  co_await close_clients(peers_, 10);
}

nlohmann::json ConnectScenario::results(const Totals& totals) const {
  nlohmann::json r;
  r["scenario"] = "connect";
  r["ok"] = passed(totals);
  if (!fatal_.empty()) r["fatal"] = fatal_;
  r["config"] = {{"url", common_.url},
                 {"connections", options_.connections},
                 {"auth", common_.auth == AuthMode::token ? "token" : "password"},
                 {"connect_concurrency", common_.connect_concurrency},
                 {"hold_s", options_.hold_s},
                 {"threads", runtime_.threads()}};
  const double seconds = connect_.seconds();
  r["connect"] = {
      {"attempted", connect_.attempted},
      {"ready", connect_.ready},
      {"still_open", still_open_},
      {"seconds", round2(seconds)},
      {"logins_per_s", seconds > 0 ? round2(static_cast<double>(connect_.ready) / seconds) : 0.0},
      {"login_latency_ms", latency_json(totals.latency(Latency::login))}};
  r["errors"] = errors_json(totals);
  r["generator"] = {
      {"cpu_s_burst", round2(static_cast<double>(self_cpu_burst_) / 1e9)},
      {"cpu_us_per_login", connect_.ready == 0 ? 0.0
                                               : round2(static_cast<double>(self_cpu_burst_) / 1e3 /
                                                        static_cast<double>(connect_.ready))}};
  nlohmann::json server = {{"pid", common_.server_pid}};
  if (before_.rss_bytes) server["rss_before"] = *before_.rss_bytes;
  if (after_burst_.rss_bytes) server["rss_after_burst"] = *after_burst_.rss_bytes;
  if (idle_.rss_bytes) server["rss_idle"] = *idle_.rss_bytes;
  if (before_.rss_bytes && connect_.ready > 0) {
    const auto per_connection = [&](std::int64_t rss) {
      return round2(static_cast<double>(rss - *before_.rss_bytes) /
                    static_cast<double>(connect_.ready));
    };
    if (after_burst_.rss_bytes) {
      server["rss_per_connection_after_burst"] = per_connection(*after_burst_.rss_bytes);
    }
    if (idle_.rss_bytes) server["rss_per_connection"] = per_connection(*idle_.rss_bytes);
  }
  if (before_.cpu_ns && after_burst_.cpu_ns && connect_.ready > 0) {
    const auto cpu = *after_burst_.cpu_ns - *before_.cpu_ns;
    server["cpu_s_burst"] = round2(static_cast<double>(cpu) / 1e9);
    server["cpu_us_per_login"] =
        round2(static_cast<double>(cpu) / 1e3 / static_cast<double>(connect_.ready));
  }
  r["server"] = server;
  return r;
}

std::string ConnectScenario::summary(const Totals& totals) const {
  const auto r = results(totals);
  const auto& c = r["connect"];
  const auto& login = totals.latency(Latency::login);
  std::string line = fmt::format(
      "connect connections={} ready={} open_after_hold={} auth={} {}={:.0f}/s login_p50={} "
      "p99={} errors={} bench_cpu={:.0f}us/login",
      connect_.attempted, connect_.ready, still_open_,
      common_.auth == AuthMode::token ? "token" : "password",
      common_.auth == AuthMode::token ? "resumes" : "logins", c["logins_per_s"].get<double>(),
      format_ms(login.percentile(0.5)), format_ms(login.percentile(0.99)), totals.error_count(),
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
  if (!fatal_.empty()) line += " FAILED: " + fatal_ + top_error(totals);
  return line;
}

bool ConnectScenario::passed(const Totals& totals) const {
  return fatal_.empty() && totals.error_count() == 0 && connect_.ready == connect_.attempted &&
         still_open_ == connect_.attempted;
}

void ConnectScenario::on_ack(Client& /*client*/, const FrameInfo& /*frame*/, std::int64_t /*now*/) {
}
void ConnectScenario::on_send_error(Client& /*client*/, const FrameInfo& frame) {
  Recorder::local().error("msg.send: " + frame.code);
}
void ConnectScenario::on_delivery(Client& /*client*/, const FrameInfo& /*frame*/,
                                  std::int64_t /*now*/) {}
void ConnectScenario::on_problem(Client& /*client*/, std::string_view code) {
  Recorder::local().error(code);
}

}  // namespace messenger::bench
