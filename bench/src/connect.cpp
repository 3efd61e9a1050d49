#include "connect.h"

#include <fmt/format.h>

#include "figures.h"
#include "log_in_all.h"

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
  figures_ = co_await measure_logins(
      common_.server_pid, options_.hold_s, &WsConnection::live,
      [&] {
        return connect_clients(runtime_, common_, accounts, options_.connections, this, peers_);
      },
      [&] { return close_clients(peers_, 10); });
  // Only when every earlier check passed: those return with their own fatal_.
  fatal_ = figures_.shortfall();
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
  add_login_json(r, common_.server_pid, figures_, totals);
  return r;
}

std::string ConnectScenario::summary(const Totals& totals) const {
  const auto r = results(totals);
  const bool token = common_.auth == AuthMode::token;
  std::string line = fmt::format("connect connections={} ready={} open_after_hold={} auth={} ",
                                 figures_.connect.attempted, figures_.connect.ready,
                                 figures_.still_open, token ? "token" : "password") +
                     login_summary(r, totals, token ? "resumes" : "logins");
  if (!fatal_.empty()) line += " FAILED: " + fatal_ + top_error(totals);
  return line;
}

bool ConnectScenario::passed(const Totals& totals) const {
  return fatal_.empty() && totals.error_count() == 0 && figures_.complete();
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
