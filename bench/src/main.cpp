// messenger-bench: a load generator of many WebSocket clients in one process (see bench/README.md).

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>

#include "asio.h"
#include "chat.h"
#include "connect.h"
#include "fanout.h"
#include "options.h"
#include "proc_stats.h"
#include "runtime.h"
#include "setup.h"
#include "steps.h"
#include "xmpp_main.h"

namespace messenger::bench {
namespace {

enum class Command { setup, chat, fanout, connect };

void add_common(CLI::App& app, CommonOptions& o, bool is_setup) {
  app.add_option("--url", o.url, "server WebSocket URL, e.g. ws://127.0.0.1:8080/ws");
  app.add_option("--threads", o.threads, "IO threads (one io_context)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--json", o.json_file, "write the results as JSON to this file");
  app.add_option("--server-pid", o.server_pid, "server process for CPU and RSS figures (/proc)");
  app.add_option("--state", o.state_file,
                 is_setup ? "write accounts, ids, tokens and conversations to this file"
                          : "read accounts from this file (written by `setup --state`)");
  if (!is_setup) {
    app.add_flag("--setup", o.setup, "create and pair the users first (needs --admin-password)");
  }
  app.add_option("--admin-user", o.admin_user, "administrator username")->capture_default_str();
  app.add_option("--admin-password", o.admin_password, "administrator password");
  app.add_option("--user-prefix", o.user_prefix, "bench usernames are PREFIX0001, ...")
      ->capture_default_str();
  app.add_option("--user-password", o.user_password, "password of every bench user")
      ->capture_default_str();
  app.add_option("--users", o.users, "accounts to set up (default: what the scenario needs)");
  app.add_option("--connect-concurrency", o.connect_concurrency,
                 "connections being set up at the same time")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--connect-timeout", o.connect_timeout_s, "seconds for all logins")
      ->capture_default_str();
  const std::map<std::string, AuthMode> auth_modes{{"password", AuthMode::password},
                                                   {"token", AuthMode::token}};
  app.add_option("--auth", o.auth, "password (auth.login) or token (auth.resume, needs setup)")
      ->transform(CLI::CheckedTransformer(auth_modes));
  const std::map<std::string, ParserKind> parsers{
      {"fast", ParserKind::fast}, {"sax", ParserKind::sax}, {"dom", ParserKind::dom}};
  app.add_option("--parser", o.parser,
                 "frame scanner: fast (hand-written), sax or dom (nlohmann), to compare costs")
      ->transform(CLI::CheckedTransformer(parsers));
  app.add_flag("--check", o.check, "exit 1 unless the run had no errors and delivered everything");
  app.add_flag("--quiet", o.quiet, "print only the summary lines");
}

/// Options of the message load, shared by chat and fanout.
void add_load(CLI::App& app, ChatOptions& load, std::string& rates) {
  auto* rate =
      app.add_option("--rate", load.rate, "offered msg/s over all senders; 0 = closed loop")
          ->capture_default_str();
  app.add_option("--rates", rates,
                 "steps of offered msg/s, e.g. 1000,2000,5k: one measurement each, stopping "
                 "after the first saturated one")
      ->excludes(rate);
  app.add_option("--window", load.window, "closed loop: messages in flight per sender")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--duration", load.duration_s, "measured seconds (per step)")
      ->capture_default_str();
  app.add_option("--warmup", load.warmup_s, "seconds of load before measuring (per step)")
      ->capture_default_str();
  app.add_option("--size", load.text_bytes, "message text bytes")
      ->capture_default_str()
      ->check(CLI::Range(1, 16384));
  app.add_option("--drain", load.drain_s, "seconds to wait for outstanding messages (per step)")
      ->capture_default_str();
  app.add_option("--max-in-flight", load.max_in_flight,
                 "open loop: unacknowledged sends per sender before skipping")
      ->capture_default_str();
  app.add_option("--tick-us", load.tick_us, "open loop: pacing timer period")
      ->capture_default_str()
      ->check(CLI::Range(50, 100000));
  app.add_option("--latency-log", load.latency_log,
                 "write every measured delivery (step, send time, latency) to this file");
}

struct Run {
  Command command = Command::chat;
  CommonOptions common;
  ChatOptions chat;
  FanoutOptions fanout;
  ConnectOptions connect;
  XmppOptions xmpp;
  std::vector<Account> accounts;
  std::optional<SetupReport> setup;
  std::string fatal;
};

asio::awaitable<void> run_command(Runtime& runtime, Run& run, MessageLoad* load,
                                  ConnectScenario& connect) {
  CommonOptions& common = run.common;
  if (run.command == Command::setup || common.setup) {
    std::size_t users = common.users;
    if (users == 0) {
      users = run.command == Command::chat      ? run.chat.clients
              : run.command == Command::fanout  ? run.fanout.members
              : run.command == Command::connect ? run.connect.connections
                                                : 100;
    }
    if (common.admin_password.empty()) {
      run.fatal = "setup needs --admin-password";
      co_return;
    }
    run.accounts = make_accounts(common.user_prefix, common.user_password, users);
    run.setup = co_await run_setup(runtime, common, run.accounts);
    if (!common.quiet || !run.setup->ok()) std::cout << run.setup->summary() << std::endl;
    if (!run.setup->ok()) {
      run.fatal = "setup failed";
      co_return;
    }
    if (!common.state_file.empty()) {
      std::string error;
      if (!save_state(common.state_file, common.url, run.accounts, error)) {
        run.fatal = error;
        co_return;
      }
    }
  } else {
    if (common.state_file.empty()) {
      run.fatal = "give --setup (with --admin-password) or --state FILE";
      co_return;
    }
    std::string error;
    if (!load_state(common.state_file, run.accounts, error)) {
      run.fatal = error;
      co_return;
    }
  }
  if (load != nullptr) co_await load->run(run.accounts);
  if (run.command == Command::connect) co_await connect.run(run.accounts);
}

int main_impl(int argc, char** argv) {
  CLI::App app{"messenger-bench: WebSocket load generator for messenger-server"};
  app.require_subcommand(1);
  Run run;
  auto* setup_cmd = app.add_subcommand("setup", "create N users, log them in, pair them");
  add_common(*setup_cmd, run.common, true);

  auto* chat_cmd = app.add_subcommand("chat", "pairs of clients send 1:1 messages");
  add_common(*chat_cmd, run.common, false);
  chat_cmd->add_option("--clients", run.chat.clients, "clients, in pairs")->capture_default_str();
  std::string rates;
  add_load(*chat_cmd, run.chat, rates);
  add_xmpp_options(*chat_cmd, run.xmpp);

  auto* fanout_cmd =
      app.add_subcommand("fanout", "members of one public channel receive what a few send");
  add_common(*fanout_cmd, run.common, false);
  fanout_cmd->add_option("--members", run.fanout.members, "channel members (one account each)")
      ->capture_default_str();
  fanout_cmd->add_option("--senders", run.fanout.senders, "members that send")
      ->capture_default_str();
  add_load(*fanout_cmd, run.chat, rates);
  add_xmpp_options(*fanout_cmd, run.xmpp);

  auto* connect_cmd =
      app.add_subcommand("connect", "open N connections, log in, stay idle (alias: idle)");
  connect_cmd->alias("idle");
  add_common(*connect_cmd, run.common, false);
  connect_cmd->add_option("--connections", run.connect.connections, "connections")
      ->capture_default_str();
  connect_cmd->add_option("--hold", run.connect.hold_s, "idle seconds before the last RSS reading")
      ->capture_default_str();
  add_xmpp_options(*connect_cmd, run.xmpp);
  add_xmpp_options(*setup_cmd, run.xmpp);

  CLI11_PARSE(app, argc, argv);
  run.command = setup_cmd->parsed()    ? Command::setup
                : chat_cmd->parsed()   ? Command::chat
                : fanout_cmd->parsed() ? Command::fanout
                                       : Command::connect;
  if (!rates.empty()) {
    std::string rates_error;
    if (!parse_rate_list(rates, run.chat.rates, rates_error)) {
      std::cerr << "messenger-bench: --rates: " << rates_error << '\n';
      return 2;
    }
  }
  if (run.xmpp.protocol == Protocol::xmpp) {
    const XmppCommand command = run.command == Command::setup    ? XmppCommand::setup
                                : run.command == Command::chat   ? XmppCommand::chat
                                : run.command == Command::fanout ? XmppCommand::fanout
                                                                 : XmppCommand::connect;
    return run_xmpp(command, run.common, run.chat, run.fanout, run.connect, run.xmpp);
  }
  if (run.command == Command::setup) run.common.setup = true;
  if (run.common.url.empty()) {
    std::cerr << "messenger-bench: --url is required (or --protocol xmpp with --xmpp-host)\n";
    return 2;
  }

  std::string url_error;
  if (!parse_ws_url(run.common.url, run.common.target, url_error)) {
    std::cerr << "messenger-bench: " << url_error << '\n';
    return 2;
  }
  // One descriptor per connection: take all the hard limit allows (10,000+ connections).
  const std::size_t needed =
      std::max({run.chat.clients, run.fanout.members, run.connect.connections, run.common.users}) +
      64;
  const auto fd_limit = raise_fd_limit(std::numeric_limits<std::uint64_t>::max());
  if (fd_limit < needed) {
    std::cerr << "messenger-bench: warning: the open file limit is " << fd_limit << ", below the "
              << needed << " this run needs; raise the hard limit (ulimit -Hn) or use fewer "
              << "connections\n";
  }

  // Opened now, so that a path that cannot be written fails before the run rather than after it.
  std::ofstream latency_log;
  if (!run.chat.latency_log.empty()) {
    latency_log.open(run.chat.latency_log);
    if (!latency_log) {
      std::cerr << "messenger-bench: cannot write --latency-log " << run.chat.latency_log << ": "
                << std::strerror(errno) << '\n';
      return 2;
    }
  }
  Runtime runtime(run.common.threads);
  ChatScenario chat_scenario(runtime, run.common, run.chat);
  FanoutScenario fanout_scenario(runtime, run.common, run.chat, run.fanout);
  ConnectScenario connect_scenario(runtime, run.common, run.connect);
  MessageLoad* load = nullptr;
  if (run.command == Command::chat) load = &chat_scenario;
  if (run.command == Command::fanout) load = &fanout_scenario;
  std::exception_ptr failure;
  asio::co_spawn(runtime.control(), run_command(runtime, run, load, connect_scenario),
                 [&failure](std::exception_ptr e) { failure = e; });
  runtime.run();
  if (failure) std::rethrow_exception(failure);
  if (!run.fatal.empty()) {
    std::cerr << "messenger-bench: " << run.fatal << '\n';
    return 1;
  }

  const Totals totals = runtime.totals();
  nlohmann::json results;
  bool passed = true;
  switch (run.command) {
    case Command::setup:
      results = {{"scenario", "setup"}, {"ok", run.setup->ok()}};
      break;
    case Command::chat:
    case Command::fanout:
      std::cout << load->summary(totals) << std::endl;
      results = load->results(totals);
      passed = load->passed(totals);
      break;
    case Command::connect:
      std::cout << connect_scenario.summary(totals) << std::endl;
      results = connect_scenario.results(totals);
      passed = connect_scenario.passed(totals);
      break;
  }
  if (run.setup) results["setup"] = run.setup->to_json();
  if (!run.common.json_file.empty() && !write_json_file(run.common.json_file, results)) return 1;
  if (latency_log.is_open() &&
      !write_latency_log(latency_log, run.chat.latency_log, runtime.take_deliveries())) {
    return 1;
  }
  if (results.contains("fatal")) return 1;
  if (run.common.check && !passed) {
    std::cerr << "messenger-bench: check failed: " << results.dump() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace messenger::bench

int main(int argc, char** argv) {
  try {
    return messenger::bench::main_impl(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "messenger-bench: " << e.what() << '\n';
    return 1;
  }
}
