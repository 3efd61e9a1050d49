#include "xmpp_main.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "proc_stats.h"
#include "setup.h"
#include "xmpp_connect.h"
#include "xmpp_load.h"

namespace messenger::bench {

void add_xmpp_options(CLI::App& command, XmppOptions& xmpp) {
  const std::map<std::string, Protocol> protocols{{"ws", Protocol::ws}, {"xmpp", Protocol::xmpp}};
  command
      .add_option("--protocol", xmpp.protocol,
                  "ws (messenger-server, --url) or xmpp (an XMPP server, --xmpp-host)")
      ->transform(CLI::CheckedTransformer(protocols));
  command.add_option("--xmpp-host", xmpp.host, "XMPP c2s listener, e.g. 127.0.0.1:5222");
  command.add_option("--xmpp-domain", xmpp.domain, "XMPP virtual host (user@DOMAIN)")
      ->capture_default_str();
  command.add_option("--xmpp-muc", xmpp.muc_domain, "MUC service (default conference.DOMAIN)");
  command.add_option("--room", xmpp.room, "fanout: the MUC room's name")->capture_default_str();
}

namespace {

struct XmppRun {
  XmppCommand command = XmppCommand::chat;
  CommonOptions common;
  std::vector<Account> accounts;
  std::optional<SetupReport> setup;
  std::string fatal;
};

std::size_t accounts_needed(XmppCommand command, const CommonOptions& common,
                            const ChatOptions& chat, const FanoutOptions& fanout,
                            const ConnectOptions& connect) {
  if (common.users > 0) return common.users;
  switch (command) {
    case XmppCommand::chat:
      return chat.clients;
    case XmppCommand::connect:
      return connect.connections;
    case XmppCommand::fanout:
      return fanout.members;
    case XmppCommand::setup:
      break;
  }
  return 100;
}

template <typename Scenario>
asio::awaitable<void> run_with_accounts(Runtime& runtime, XmppRun& run, const XmppTarget& target,
                                        Scenario* scenario) {
  if (run.command == XmppCommand::setup || run.common.setup) {
    run.setup = co_await register_xmpp_accounts(runtime, run.common, target, run.accounts);
    if (run.command == XmppCommand::setup || !run.common.quiet || !run.setup->ok()) {
      std::cout << run.setup->summary() << std::endl;
    }
    if (!run.setup->ok()) {
      for (const auto& [code, count] : run.setup->errors) {
        std::cerr << "messenger-bench: " << count << " x " << code << '\n';
      }
      run.fatal = "registration failed";
      co_return;
    }
  }
  if (scenario != nullptr) co_await scenario->run(run.accounts);
}

template <typename Scenario>
int finish(const XmppRun& run, const Runtime& runtime, const Scenario* scenario) {
  if (!run.fatal.empty()) {
    std::cerr << "messenger-bench: " << run.fatal << '\n';
    return 1;
  }
  const Totals totals = runtime.totals();
  nlohmann::json results = {{"scenario", "setup"}, {"protocol", "xmpp"}};
  bool passed = true;
  if (scenario != nullptr) {
    std::cout << scenario->summary(totals) << std::endl;
    results = scenario->results(totals);
    passed = scenario->passed(totals);
  }
  if (run.setup) results["setup"] = run.setup->to_json();
  if (!run.common.json_file.empty() && !write_json_file(run.common.json_file, results)) return 1;
  if (results.contains("fatal")) {
    if (results.contains("errors") && !results["errors"].empty()) {
      std::cerr << "messenger-bench: errors: " << results["errors"].dump() << '\n';
    }
    return 1;
  }
  if (run.common.check && !passed) {
    std::cerr << "messenger-bench: check failed: " << results.dump() << '\n';
    return 1;
  }
  return 0;
}

template <typename Scenario>
int execute(Runtime& runtime, XmppRun& run, const XmppTarget& target, Scenario* scenario) {
  std::exception_ptr failure;
  asio::co_spawn(runtime.control(), run_with_accounts(runtime, run, target, scenario),
                 [&failure](std::exception_ptr e) { failure = e; });
  runtime.run();
  if (failure) std::rethrow_exception(failure);
  return finish(run, runtime, scenario);
}

}  // namespace

int run_xmpp(XmppCommand command, const CommonOptions& common, const ChatOptions& chat,
             const FanoutOptions& fanout, const ConnectOptions& connect, const XmppOptions& xmpp) {
  XmppTarget target;
  target.domain = xmpp.domain;
  // One resource per generator process: stanzas the server still routes to an earlier run's
  // sessions (a room's backlog after a saturated step) must not reach this run's, where they
  // counted as errors.
  target.resource = "bench-" + std::to_string(::getpid());
  std::string error;
  if (xmpp.host.empty() || !parse_host_port(xmpp.host, target.endpoint, error)) {
    std::cerr << "messenger-bench: --protocol xmpp needs --xmpp-host 127.0.0.1:PORT"
              << (error.empty() ? "" : ": " + error) << '\n';
    return 2;
  }
  if (!chat.latency_log.empty()) {
    std::cerr << "messenger-bench: --latency-log is not available with --protocol xmpp\n";
    return 2;
  }
  XmppRun run;
  run.command = command;
  run.common = common;
  if (command == XmppCommand::setup) run.common.setup = true;
  const std::size_t users = accounts_needed(command, common, chat, fanout, connect);
  run.accounts = make_accounts(common.user_prefix, common.user_password, users);
  const auto fd_limit = raise_fd_limit(users + 256);
  if (fd_limit < users + 64) {
    std::cerr << "messenger-bench: warning: the open file limit is " << fd_limit << '\n';
  }

  Runtime runtime(common.threads);
  switch (command) {
    case XmppCommand::setup:
      return execute<XmppLoadScenario>(runtime, run, target, nullptr);
    case XmppCommand::chat: {
      XmppLoadScenario scenario(runtime, run.common, chat, fanout, xmpp, target,
                                XmppLoadScenario::Shape::chat);
      return execute(runtime, run, target, &scenario);
    }
    case XmppCommand::fanout: {
      XmppLoadScenario scenario(runtime, run.common, chat, fanout, xmpp, target,
                                XmppLoadScenario::Shape::fanout);
      return execute(runtime, run, target, &scenario);
    }
    case XmppCommand::connect: {
      XmppConnectScenario scenario(runtime, run.common, connect, xmpp, target);
      return execute(runtime, run, target, &scenario);
    }
  }
  return 2;
}

}  // namespace messenger::bench
