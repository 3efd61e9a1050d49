#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asio.h"
#include "client.h"
#include "figures.h"
#include "options.h"
#include "runtime.h"
#include "scenario.h"

namespace messenger::bench {

/// `connect` (formerly `idle`, still accepted): opens N connections (hello + login or resume),
/// measures logins/s (or token resumes/s), then keeps them idle and reads the server's RSS
/// before, right after the burst and after the idle time. Ends when the logins outlive
/// --connect-timeout too, with the failure in the summary.
class ConnectScenario final : public ClientObserver {
 public:
  ConnectScenario(Runtime& runtime, const CommonOptions& common, const ConnectOptions& options);

  asio::awaitable<void> run(const std::vector<Account>& accounts);

  [[nodiscard]] nlohmann::json results(const Totals& totals) const;
  [[nodiscard]] std::string summary(const Totals& totals) const;
  /// Every connection logged in and stayed up, no errors.
  [[nodiscard]] bool passed(const Totals& totals) const;

  void on_ack(Client& client, const FrameInfo& frame, std::int64_t now) override;
  void on_send_error(Client& client, const FrameInfo& frame) override;
  void on_delivery(Client& client, const FrameInfo& frame, std::int64_t now) override;
  void on_problem(Client& client, std::string_view code) override;

 private:
  Runtime& runtime_;
  CommonOptions common_;
  ConnectOptions options_;
  std::vector<Peer> peers_;
  std::string fatal_;
  LoginFigures figures_;
};

}  // namespace messenger::bench
