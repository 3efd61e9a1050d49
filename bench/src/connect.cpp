#include "connect.h"

#include <fmt/format.h>

#include "figures.h"
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
  add_login_json(r, common_.server_pid,
                 LoginFigures{connect_, still_open_, before_, after_burst_, idle_, self_cpu_burst_},
                 totals);
  return r;
}

std::string ConnectScenario::summary(const Totals& totals) const {
  const auto r = results(totals);
  const bool token = common_.auth == AuthMode::token;
  std::string line =
      fmt::format("connect connections={} ready={} open_after_hold={} auth={} ", connect_.attempted,
                  connect_.ready, still_open_, token ? "token" : "password") +
      login_summary(r, totals, token ? "resumes" : "logins");
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
