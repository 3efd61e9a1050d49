#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asio.h"
#include "client.h"
#include "options.h"
#include "runtime.h"

namespace messenger::bench {

/// Accounts prefix0001, prefix0002, ... (1-based, at least four digits), all with one password.
/// Accounts 2k and 2k+1 (0-based) are partners.
std::vector<Account> make_accounts(const std::string& prefix, const std::string& password,
                                   std::size_t count);

struct SetupReport {
  std::size_t users = 0;
  std::size_t created = 0;
  std::size_t existed = 0;  // from an earlier run on the same server
  std::size_t logged_in = 0;
  std::size_t conversations = 0;
  double seconds = 0;
  std::map<std::string, std::uint64_t> errors;

  [[nodiscard]] bool ok() const { return errors.empty(); }
  [[nodiscard]] std::string summary() const;
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Creates the accounts through the admin connection (an existing username is fine), logs each
/// in once (user id and session token), then opens the direct conversation of every pair.
asio::awaitable<SetupReport> run_setup(Runtime& runtime, const CommonOptions& options,
                                       std::vector<Account>& accounts);

/// The accounts with ids, tokens and conversations, so that later runs can skip the setup.
bool save_state(const std::string& path, const std::string& url,
                const std::vector<Account>& accounts, std::string& error);
bool load_state(const std::string& path, std::vector<Account>& accounts, std::string& error);

}  // namespace messenger::bench
