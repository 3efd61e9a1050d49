#include "fanout.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace messenger::bench {
namespace {

using json = nlohmann::json;

// The protocol's default max_ids_per_request.
constexpr std::size_t kIdsPerRequest = 1000;

// GCC 12 miscompiles brace-initialized JSON with string literals inside coroutines, so requests
// are built in plain functions (as in setup.cpp).
json create_channel_request(const std::string& name, const std::vector<std::int64_t>& members) {
  return {{"type", "conv.create"},
          {"kind", "channel"},
          {"name", name},
          {"topic", "messenger-bench fanout"},
          {"member_ids", members}};
}

json invite_request(std::int64_t channel_id, const std::vector<std::int64_t>& users) {
  return {{"type", "conv.invite"}, {"conversation_id", channel_id}, {"user_ids", users}};
}

std::string failure(std::string_view what, const Reply& reply) {
  return fmt::format("{} failed: {} {}", what, reply.code, reply.message);
}

}  // namespace

FanoutScenario::FanoutScenario(Runtime& runtime, const CommonOptions& common,
                               const ChatOptions& load, const FanoutOptions& options)
    : MessageLoad(runtime, common, load), fanout_(options) {}

asio::awaitable<std::string> FanoutScenario::prepare(const std::vector<Account>& accounts) {
  if (fanout_.members < 2) co_return "--members must be at least 2";
  if (fanout_.senders < 1 || fanout_.senders > fanout_.members) {
    co_return "--senders must be between 1 and --members";
  }
  if (accounts.size() < fanout_.members) {
    co_return fmt::format("{} members need as many accounts, the state has {}", fanout_.members,
                          accounts.size());
  }
  connect_ = co_await connect_clients(runtime_, common_, accounts, fanout_.members, this, peers_);
  if (connect_.ready < connect_.attempted) {
    co_return fmt::format("only {} of {} members logged in", connect_.ready, connect_.attempted);
  }
  co_return co_await create_channel();
}

asio::awaitable<std::string> FanoutScenario::create_channel() {
  // Login completions were posted to this strand, so the ids are visible here.
  std::vector<std::int64_t> others;
  for (std::size_t i = 1; i < peers_.size(); ++i) others.push_back(peers_[i].client->user_id());
  const auto first = std::min(others.size(), kIdsPerRequest - 1);
  Client& owner = *peers_.front().client;
  const auto nonce = std::chrono::system_clock::now().time_since_epoch().count();
  const Reply created = co_await async_call(
      owner,
      create_channel_request(fmt::format("bench-fanout-{:x}", nonce),
                             {others.begin(), others.begin() + static_cast<std::ptrdiff_t>(first)}),
      asio::use_awaitable);
  channel_id_ = conversation_id_of(created);
  if (channel_id_ == 0) co_return failure("conv.create", created);
  for (std::size_t from = first; from < others.size(); from += kIdsPerRequest) {
    const auto to = std::min(others.size(), from + kIdsPerRequest);
    const Reply invited = co_await async_call(
        owner,
        invite_request(channel_id_, {others.begin() + static_cast<std::ptrdiff_t>(from),
                                     others.begin() + static_cast<std::ptrdiff_t>(to)}),
        asio::use_awaitable);
    if (!invited.ok) co_return failure("conv.invite", invited);
  }
  for (auto& peer : peers_) peer.conversation_id = channel_id_;
  for (std::size_t i = 0; i < fanout_.senders; ++i) {
    sender_ids_.push_back(peers_[i].client->user_id());
  }
  co_return std::string();
}

bool FanoutScenario::expected(const Peer& receiver, const FrameInfo& frame) const {
  return frame.conversation_id == channel_id_ && frame.sender_id != receiver.client->user_id() &&
         std::find(sender_ids_.begin(), sender_ids_.end(), frame.sender_id) != sender_ids_.end();
}

nlohmann::json FanoutScenario::config() const {
  return {{"members", fanout_.members},
          {"senders", fanout_.senders},
          {"offered_rate", options_.rate},
          {"channel_id", channel_id_}};
}

std::string FanoutScenario::label() const {
  return fmt::format("members={} senders={}", fanout_.members, fanout_.senders);
}

}  // namespace messenger::bench
