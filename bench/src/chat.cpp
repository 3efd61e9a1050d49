#include "chat.h"

#include <fmt/format.h>

namespace messenger::bench {

ChatScenario::ChatScenario(Runtime& runtime, const CommonOptions& common,
                           const ChatOptions& options)
    : MessageLoad(runtime, common, options) {}

asio::awaitable<std::string> ChatScenario::prepare(const std::vector<Account>& accounts) {
  const std::size_t clients = options_.clients;
  if (clients < 2 || clients % 2 != 0) co_return "--clients must be even and at least 2";
  if (accounts.size() < clients) {
    co_return fmt::format("{} clients need {} accounts, the state has {}", clients, clients,
                          accounts.size());
  }
  for (std::size_t i = 0; i < clients; ++i) {
    if (accounts[i].conversation_id == 0) {
      co_return "account " + accounts[i].username + " has no conversation (setup incomplete)";
    }
  }
  connect_ = co_await connect_clients(runtime_, common_, accounts, clients, this, peers_);
  if (connect_.ready < connect_.attempted) {
    co_return fmt::format("only {} of {} clients logged in", connect_.ready, connect_.attempted);
  }
  co_return std::string();
}

bool ChatScenario::expected(const Peer& receiver, const FrameInfo& frame) const {
  return frame.sender_id == receiver.partner_id &&
         frame.conversation_id == receiver.conversation_id;
}

nlohmann::json ChatScenario::config() const {
  return {{"clients", options_.clients}, {"offered_rate", options_.rate}};
}

std::string ChatScenario::label() const {
  return fmt::format("clients={}", options_.clients);
}

}  // namespace messenger::bench
