#include "setup.h"

#include <fmt/format.h>

#include <fstream>

#include "proc_stats.h"
#include "scenario.h"

namespace messenger::bench {
namespace {

using json = nlohmann::json;

constexpr std::size_t kCreateWindow = 32;
constexpr int kRateLimitRetries = 500;
constexpr std::int64_t kRetryDelayNs = 20'000'000;

std::shared_ptr<Client> make_client(Runtime& runtime, const CommonOptions& options) {
  auto client = std::make_shared<Client>(runtime.client_executor(), options.target, options.parser,
                                         ClientMsgIds(0, 0));
  runtime.keep(client);  // a closing connection outlives this coroutine
  return client;
}

void count_error(SetupReport& report, const std::string& step, const Reply& reply) {
  ++report.errors[step + ": " + reply.code];
}

// GCC 12 miscompiles brace-initialized JSON with string literals inside coroutines ("array
// used as initializer"), so requests are built in plain functions.
json create_user_request(const Account& account, const std::string& prefix) {
  return {{"type", "admin.user.create"},
          {"username", account.username},
          {"password", account.password},
          {"display_name", "Bench user " + account.username.substr(prefix.size())},
          {"department", "Benchmark"}};
}

json open_direct_request(std::int64_t user_id) {
  return {{"type", "conv.open_direct"}, {"user_id", user_id}};
}

/// A request that the server may refuse with rate_limited when its limit is low: retried.
asio::awaitable<Reply> call_with_retry(Client& client, json request) {
  for (int attempt = 0;; ++attempt) {
    Reply reply = co_await async_call(client, request, asio::use_awaitable);
    if (reply.ok || reply.code != "rate_limited" || attempt >= kRateLimitRetries) co_return reply;
    co_await sleep_ns(kRetryDelayNs);
  }
}

asio::awaitable<Reply> login(Client& client, const Account& account, AuthMode mode) {
  co_return co_await async_start(client, account, mode, asio::use_awaitable);
}

asio::awaitable<void> open_pair(Runtime& runtime, const CommonOptions& options, Account& first,
                                Account& second, SetupReport& report) {
  auto client = make_client(runtime, options);
  const AuthMode mode = first.token.empty() ? AuthMode::password : AuthMode::token;
  const Reply logged_in = co_await login(*client, first, mode);
  if (!logged_in.ok) {
    count_error(report, "pair login", logged_in);
  } else {
    const Reply reply = co_await call_with_retry(*client, open_direct_request(second.user_id));
    const std::int64_t id = conversation_id_of(reply);
    if (id != 0) {
      first.conversation_id = second.conversation_id = id;
      first.partner_id = second.user_id;
      second.partner_id = first.user_id;
      ++report.conversations;
    } else {
      count_error(report, "conv.open_direct", reply);
    }
  }
  asio::dispatch(client->executor(), [client] { client->close(); });
}

}  // namespace

std::vector<Account> make_accounts(const std::string& prefix, const std::string& password,
                                   std::size_t count) {
  std::vector<Account> accounts(count);
  for (std::size_t i = 0; i < count; ++i) {
    accounts[i].username = fmt::format("{}{:04}", prefix, i + 1);
    accounts[i].password = password;
  }
  return accounts;
}

std::string SetupReport::summary() const {
  std::size_t error_count = 0;
  for (const auto& [code, count] : errors) error_count += count;
  return fmt::format(
      "setup users={} created={} existed={} logged_in={} conversations={} time={:.2f}s "
      "errors={}",
      users, created, existed, logged_in, conversations, seconds, error_count);
}

json SetupReport::to_json() const {
  return {{"users", users},
          {"created", created},
          {"existed", existed},
          {"logged_in", logged_in},
          {"conversations", conversations},
          {"seconds", seconds},
          {"errors", errors}};
}

asio::awaitable<SetupReport> run_setup(Runtime& runtime, const CommonOptions& options,
                                       std::vector<Account>& accounts) {
  SetupReport report;
  report.users = accounts.size();
  const std::int64_t started = now_ns();

  // 1. Accounts, through one admin connection with a window of requests in flight.
  auto admin = make_client(runtime, options);
  Account admin_account{options.admin_user, options.admin_password, 0, {}, 0, 0};
  const Reply admin_login = co_await login(*admin, admin_account, AuthMode::password);
  if (!admin_login.ok) {
    count_error(report, "admin login", admin_login);
    admin->close();
    co_return report;
  }
  co_await for_each_limited(
      accounts.size(), kCreateWindow, [&](std::size_t i) -> asio::awaitable<void> {
        const Account& account = accounts[i];
        const Reply reply =
            co_await call_with_retry(*admin, create_user_request(account, options.user_prefix));
        if (reply.ok) {
          ++report.created;
        } else if (reply.code == "conflict") {
          ++report.existed;
        } else {
          count_error(report, "admin.user.create", reply);
        }
      });
  admin->close();
  if (!report.ok()) co_return report;

  // 2. Every user logs in once: user id and a session token for auth.resume.
  co_await for_each_limited(
      accounts.size(), options.connect_concurrency, [&](std::size_t i) -> asio::awaitable<void> {
        auto client = make_client(runtime, options);
        const Reply reply = co_await login(*client, accounts[i], AuthMode::password);
        if (reply.ok) {
          ++report.logged_in;
          accounts[i].user_id = client->user_id();
          accounts[i].token = client->token();
        } else {
          count_error(report, "auth.login", reply);
        }
        asio::dispatch(client->executor(), [client] { client->close(); });
      });
  if (!report.ok()) co_return report;

  // 3. Partners 2k and 2k+1 share a direct conversation, opened by 2k.
  co_await for_each_limited(accounts.size() / 2, options.connect_concurrency,
                            [&](std::size_t k) -> asio::awaitable<void> {
                              co_await open_pair(runtime, options, accounts[2 * k],
                                                 accounts[2 * k + 1], report);
                            });
  report.seconds = static_cast<double>(now_ns() - started) / 1e9;
  co_return report;
}

bool save_state(const std::string& path, const std::string& url,
                const std::vector<Account>& accounts, std::string& error) {
  json users = json::array();
  for (const auto& a : accounts) {
    users.push_back({{"username", a.username},
                     {"password", a.password},
                     {"id", a.user_id},
                     {"token", a.token},
                     {"partner_id", a.partner_id},
                     {"conversation_id", a.conversation_id}});
  }
  std::ofstream out(path);
  out << json{{"url", url}, {"users", std::move(users)}}.dump(1) << '\n';
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

bool load_state(const std::string& path, std::vector<Account>& accounts, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path + " (run `messenger-bench setup --state FILE` first)";
    return false;
  }
  const json doc = json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("users") || !doc["users"].is_array()) {
    error = path + " is not a messenger-bench state file";
    return false;
  }
  accounts.clear();
  for (const auto& u : doc["users"]) {
    Account a;
    a.username = u.value("username", "");
    a.password = u.value("password", "");
    a.user_id = u.value("id", std::int64_t{0});
    a.token = u.value("token", "");
    a.partner_id = u.value("partner_id", std::int64_t{0});
    a.conversation_id = u.value("conversation_id", std::int64_t{0});
    accounts.push_back(std::move(a));
  }
  return true;
}

}  // namespace messenger::bench
