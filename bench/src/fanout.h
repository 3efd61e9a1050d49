#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "asio.h"
#include "message_load.h"

namespace messenger::bench {

/// `fanout`: --members clients (one account each) in one new public channel, of whom the first
/// --senders send to it; every message is delivered to the other members - 1 connections. Figures
/// are per delivery (a receipt at one member); see MessageLoad for rates, steps and figures.
///
/// The channel is made by the first member with conv.create listing the others (conv.invite for
/// more than one request holds), after everyone is connected: one conversation.added per member.
/// Members joining one by one (conv.join) would send every earlier member a
/// conversation.updated, members² events before the first message.
class FanoutScenario final : public MessageLoad {
 public:
  FanoutScenario(Runtime& runtime, const CommonOptions& common, const ChatOptions& load,
                 const FanoutOptions& options);

 private:
  [[nodiscard]] std::string_view name() const override { return "fanout"; }
  asio::awaitable<std::string> prepare(const std::vector<Account>& accounts) override;
  [[nodiscard]] std::size_t senders() const override { return fanout_.senders; }
  [[nodiscard]] std::size_t receivers_per_message() const override { return fanout_.members - 1; }
  [[nodiscard]] bool expected(const Peer& receiver, const FrameInfo& frame) const override;
  [[nodiscard]] nlohmann::json config() const override;
  [[nodiscard]] std::string label() const override;

  asio::awaitable<std::string> create_channel();

  FanoutOptions fanout_;
  std::int64_t channel_id_ = 0;
  std::vector<std::int64_t> sender_ids_;
};

}  // namespace messenger::bench
