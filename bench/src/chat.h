#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "asio.h"
#include "message_load.h"

namespace messenger::bench {

/// `chat`: clients in pairs (accounts 2k and 2k+1 and their direct conversation from setup), each
/// sending 1:1 messages to its partner; see MessageLoad for rates, steps and figures.
class ChatScenario final : public MessageLoad {
 public:
  ChatScenario(Runtime& runtime, const CommonOptions& common, const ChatOptions& options);

 private:
  [[nodiscard]] std::string_view name() const override { return "chat"; }
  asio::awaitable<std::string> prepare(const std::vector<Account>& accounts) override;
  [[nodiscard]] std::size_t senders() const override { return peers_.size(); }
  [[nodiscard]] std::size_t receivers_per_message() const override { return 1; }
  [[nodiscard]] bool expected(const Peer& receiver, const FrameInfo& frame) const override;
  [[nodiscard]] nlohmann::json config() const override;
  [[nodiscard]] std::string label() const override;
};

}  // namespace messenger::bench
