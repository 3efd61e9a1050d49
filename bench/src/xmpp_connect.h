#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asio.h"
#include "figures.h"
#include "options.h"
#include "runtime.h"
#include "scenario.h"
#include "xmpp_scenario.h"

namespace messenger::bench {

/// The XMPP form of `connect` (alias `idle`): N connections log in (stream, SASL PLAIN, bind,
/// presence), logins/s and login latency, then the server's RSS before, right after the burst and
/// after the idle time. There is no token resume: XMPP's stream resumption (XEP-0198) resumes a
/// broken stream within minutes, not a new login, so `--auth token` is refused.
class XmppConnectScenario final : public XmppObserver {
 public:
  XmppConnectScenario(Runtime& runtime, const CommonOptions& common, const ConnectOptions& options,
                      const XmppOptions& xmpp, const XmppTarget& target);

  asio::awaitable<void> run(const std::vector<Account>& accounts);

  [[nodiscard]] nlohmann::json results(const Totals& totals) const;
  [[nodiscard]] std::string summary(const Totals& totals) const;
  [[nodiscard]] bool passed(const Totals& totals) const;

  void on_message(XmppClient& client, const StanzaInfo& message, std::int64_t now) override;
  void on_problem(XmppClient& client, std::string_view code) override;

 private:
  Runtime& runtime_;
  CommonOptions common_;
  ConnectOptions options_;
  XmppOptions xmpp_;
  XmppTarget target_;
  std::vector<XmppPeer> peers_;
  std::string fatal_;
  LoginFigures figures_;
};

}  // namespace messenger::bench
