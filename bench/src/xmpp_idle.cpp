#include "xmpp_idle.h"

#include <fmt/format.h>

#include <cmath>

#include "proc_stats.h"

namespace messenger::bench {
namespace {
double round2(double v) {
  return std::round(v * 100) / 100;
}
}  // namespace

XmppIdleScenario::XmppIdleScenario(Runtime& runtime, const CommonOptions& common,
                                   const IdleOptions& options, const XmppOptions& xmpp,
                                   const XmppTarget& target)
    : runtime_(runtime), common_(common), options_(options), xmpp_(xmpp), target_(target) {}

asio::awaitable<void> XmppIdleScenario::run(const std::vector<Account>& accounts) {
  if (accounts.empty()) {
    fatal_ = "no accounts";
    co_return;
  }
  if (common_.auth == AuthMode::token) {
    fatal_ = "--auth token: XMPP has no session tokens (XEP-0198 resumes only a broken stream)";
    co_return;
  }
  before_ = sample_server(common_.server_pid);
  const std::int64_t cpu_before = self_cpu_ns();
  connect_ = co_await connect_xmpp_clients(runtime_, common_, target_, accounts,
                                           options_.connections, this, peers_);
  self_cpu_burst_ = self_cpu_ns() - cpu_before;
  after_burst_ = sample_server(common_.server_pid);
  if (connect_.ready < connect_.attempted) {
    fatal_ = fmt::format("only {} of {} connections logged in", connect_.ready, connect_.attempted);
  }
  co_await sleep_ns(static_cast<std::int64_t>(options_.hold_s * 1e9));
  idle_ = sample_server(common_.server_pid);
  still_open_ = XmppConnection::live();
  co_await close_xmpp_clients(peers_, 10);
}

nlohmann::json XmppIdleScenario::results(const Totals& totals) const {
  nlohmann::json r;
  r["scenario"] = "idle";
  r["ok"] = passed(totals);
  if (!fatal_.empty()) r["fatal"] = fatal_;
  r["config"] = {{"protocol", "xmpp"},
                 {"host", xmpp_.host},
                 {"domain", target_.domain},
                 {"connections", options_.connections},
                 {"auth", "SASL PLAIN"},
                 {"resume", "n/a: XMPP has no token login; XEP-0198 resumes only a broken stream"},
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
  if (before_.rss_bytes && idle_.rss_bytes && connect_.ready > 0) {
    server["rss_per_connection"] =
        round2(static_cast<double>(*idle_.rss_bytes - *before_.rss_bytes) /
               static_cast<double>(connect_.ready));
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

std::string XmppIdleScenario::summary(const Totals& totals) const {
  const auto r = results(totals);
  const auto& c = r["connect"];
  const auto& login = totals.latency(Latency::login);
  std::string line = fmt::format(
      "idle xmpp connections={} ready={} open_after_hold={} auth=plain resume=n/a "
      "logins={:.0f}/s login_p50={} p99={} errors={} bench_cpu={:.0f}us/login",
      connect_.attempted, connect_.ready, still_open_, c["logins_per_s"].get<double>(),
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
    line += " per_connection=" + format_bytes(server["rss_per_connection"].get<double>());
  }
  if (!fatal_.empty()) line += " FAILED: " + fatal_;
  return line;
}

bool XmppIdleScenario::passed(const Totals& totals) const {
  return fatal_.empty() && totals.error_count() == 0 && connect_.ready == connect_.attempted &&
         still_open_ == connect_.attempted;
}

void XmppIdleScenario::on_message(XmppClient& /*client*/, const StanzaInfo& /*message*/,
                                  std::int64_t /*now*/) {}

void XmppIdleScenario::on_problem(XmppClient& /*client*/, std::string_view code) {
  Recorder::local().error(code);
}

}  // namespace messenger::bench
