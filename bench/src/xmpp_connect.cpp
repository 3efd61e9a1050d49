#include "xmpp_connect.h"

#include <fmt/format.h>

#include "figures.h"
#include "log_in_all.h"

namespace messenger::bench {
XmppConnectScenario::XmppConnectScenario(Runtime& runtime, const CommonOptions& common,
                                         const ConnectOptions& options, const XmppOptions& xmpp,
                                         const XmppTarget& target)
    : runtime_(runtime), common_(common), options_(options), xmpp_(xmpp), target_(target) {}

asio::awaitable<void> XmppConnectScenario::run(const std::vector<Account>& accounts) {
  if (accounts.empty()) {
    fatal_ = "no accounts";
    co_return;
  }
  if (common_.auth == AuthMode::token) {
    fatal_ = "--auth token: XMPP has no session tokens (XEP-0198 resumes only a broken stream)";
    co_return;
  }
  figures_ = co_await measure_logins(
      common_.server_pid, options_.hold_s, &XmppConnection::live,
      [&] {
        return connect_xmpp_clients(runtime_, common_, target_, accounts, options_.connections,
                                    this, peers_);
      },
      [&] { return close_xmpp_clients(peers_, 10); });
  // Only when every earlier check passed: those return with their own fatal_.
  fatal_ = figures_.shortfall();
}

nlohmann::json XmppConnectScenario::results(const Totals& totals) const {
  nlohmann::json r;
  r["scenario"] = "connect";
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
  add_login_json(r, common_.server_pid, figures_, totals);
  return r;
}

std::string XmppConnectScenario::summary(const Totals& totals) const {
  const auto r = results(totals);
  std::string line =
      fmt::format("connect xmpp connections={} ready={} open_after_hold={} auth=plain resume=n/a ",
                  figures_.connect.attempted, figures_.connect.ready, figures_.still_open) +
      login_summary(r, totals, "logins");
  if (!fatal_.empty()) line += " FAILED: " + fatal_ + top_error(totals);
  return line;
}

bool XmppConnectScenario::passed(const Totals& totals) const {
  return fatal_.empty() && totals.error_count() == 0 && figures_.complete();
}

void XmppConnectScenario::on_message(XmppClient& /*client*/, const StanzaInfo& /*message*/,
                                     std::int64_t /*now*/) {}

void XmppConnectScenario::on_problem(XmppClient& /*client*/, std::string_view code) {
  Recorder::local().error(code);
}

}  // namespace messenger::bench
