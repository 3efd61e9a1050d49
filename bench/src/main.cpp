// messenger-bench: a load generator of many WebSocket clients in one process (see bench/README.md).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <optional>

#include "asio.h"
#include "chat.h"
#include "idle.h"
#include "options.h"
#include "proc_stats.h"
#include "runtime.h"
#include "setup.h"
#include "xmpp_main.h"

namespace messenger::bench {
namespace {

enum class Command { setup, chat, idle };

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

struct Run {
  Command command = Command::chat;
  CommonOptions common;
  ChatOptions chat;
  IdleOptions idle;
  XmppOptions xmpp;
  std::vector<Account> accounts;
  std::optional<SetupReport> setup;
  std::string fatal;
};

asio::awaitable<void> run_command(Runtime& runtime, Run& run, ChatScenario& chat,
                                  IdleScenario& idle) {
  CommonOptions& common = run.common;
  if (run.command == Command::setup || common.setup) {
    std::size_t users = common.users;
    if (users == 0) {
      users = run.command == Command::chat   ? run.chat.clients
              : run.command == Command::idle ? run.idle.connections
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
  if (run.command == Command::chat) co_await chat.run(run.accounts);
  if (run.command == Command::idle) co_await idle.run(run.accounts);
}

int main_impl(int argc, char** argv) {
  CLI::App app{"messenger-bench: WebSocket load generator for messenger-server"};
  app.require_subcommand(1);
  Run run;
  auto* setup_cmd = app.add_subcommand("setup", "create N users, log them in, pair them");
  add_common(*setup_cmd, run.common, true);

  auto* chat_cmd = app.add_subcommand("chat", "pairs of clients send 1:1 messages");
  add_common(*chat_cmd, run.common, false);
  ChatOptions& chat = run.chat;
  chat_cmd->add_option("--clients", chat.clients, "clients, in pairs")->capture_default_str();
  chat_cmd->add_option("--rate", chat.rate, "offered msg/s over all clients; 0 = closed loop")
      ->capture_default_str();
  chat_cmd->add_option("--window", chat.window, "closed loop: messages in flight per client")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  chat_cmd->add_option("--duration", chat.duration_s, "measured seconds")->capture_default_str();
  chat_cmd->add_option("--warmup", chat.warmup_s, "seconds of load before measuring")
      ->capture_default_str();
  chat_cmd->add_option("--size", chat.text_bytes, "message text bytes")
      ->capture_default_str()
      ->check(CLI::Range(1, 16384));
  chat_cmd->add_option("--drain", chat.drain_s, "seconds to wait for outstanding messages")
      ->capture_default_str();
  chat_cmd
      ->add_option("--max-in-flight", chat.max_in_flight,
                   "open loop: unacknowledged sends per client before skipping")
      ->capture_default_str();
  chat_cmd->add_option("--tick-us", chat.tick_us, "open loop: pacing timer period")
      ->capture_default_str()
      ->check(CLI::Range(50, 100000));
  add_xmpp_options(*chat_cmd, run.xmpp);

  auto* idle_cmd = app.add_subcommand("idle", "open N connections, log in, stay idle");
  add_common(*idle_cmd, run.common, false);
  idle_cmd->add_option("--connections", run.idle.connections, "connections")->capture_default_str();
  idle_cmd->add_option("--hold", run.idle.hold_s, "idle seconds before the last RSS reading")
      ->capture_default_str();
  add_xmpp_options(*idle_cmd, run.xmpp);
  add_xmpp_options(*setup_cmd, run.xmpp);

  auto* fanout_cmd =
      app.add_subcommand("fanout", "N members of one group (XMPP: a MUC room) send to it in turn");
  add_common(*fanout_cmd, run.common, false);
  add_fanout_options(*fanout_cmd, run.chat);
  add_xmpp_options(*fanout_cmd, run.xmpp);

  CLI11_PARSE(app, argc, argv);
  if (run.xmpp.protocol == Protocol::xmpp) {
    const XmppCommand command = setup_cmd->parsed()    ? XmppCommand::setup
                                : chat_cmd->parsed()   ? XmppCommand::chat
                                : fanout_cmd->parsed() ? XmppCommand::fanout
                                                       : XmppCommand::idle;
    return run_xmpp(command, run.common, run.chat, run.idle, run.xmpp);
  }
  if (fanout_cmd->parsed()) {
    std::cerr << "messenger-bench: fanout needs --protocol xmpp (no WebSocket form yet)\n";
    return 2;
  }
  run.command = setup_cmd->parsed()  ? Command::setup
                : chat_cmd->parsed() ? Command::chat
                                     : Command::idle;
  if (run.command == Command::setup) run.common.setup = true;

  std::string url_error;
  if (!parse_ws_url(run.common.url, run.common.target, url_error)) {
    std::cerr << "messenger-bench: " << url_error << '\n';
    return 2;
  }
  const std::size_t needed =
      std::max({run.chat.clients, run.idle.connections, run.common.users}) * 2 + 256;
  const auto fd_limit = raise_fd_limit(needed);
  if (fd_limit < needed / 2 + 64) {
    std::cerr << "messenger-bench: warning: the open file limit is " << fd_limit << '\n';
  }

  Runtime runtime(run.common.threads);
  ChatScenario chat_scenario(runtime, run.common, run.chat);
  IdleScenario idle_scenario(runtime, run.common, run.idle);
  std::exception_ptr failure;
  asio::co_spawn(runtime.control(), run_command(runtime, run, chat_scenario, idle_scenario),
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
      std::cout << chat_scenario.summary(totals) << std::endl;
      results = chat_scenario.results(totals);
      passed = chat_scenario.passed(totals);
      break;
    case Command::idle:
      std::cout << idle_scenario.summary(totals) << std::endl;
      results = idle_scenario.results(totals);
      passed = idle_scenario.passed(totals);
      break;
  }
  if (run.setup) results["setup"] = run.setup->to_json();
  if (!run.common.json_file.empty() && !write_json_file(run.common.json_file, results)) return 1;
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
