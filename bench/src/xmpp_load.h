#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asio.h"
#include "options.h"
#include "runtime.h"
#include "scenario.h"
#include "xmpp_scenario.h"

namespace messenger::bench {

/// Message load over XMPP at a fixed offered rate (open loop only: XMPP acknowledges nothing per
/// message, so there is no closed loop to keep). Two shapes:
/// - chat: clients in pairs (accounts 2k and 2k+1) send <message type='chat'> to the partner's
///   bare JID; one delivery per message.
/// - fanout: `members` clients join one MUC room and the first `senders` send
///   <message type='groupchat'> to it in turn; each message is delivered to the members - 1
///   others, and the room's echo to the sender is its acknowledgement (ack latency).
/// Each body starts with the send time (steady clock, ns; the scheduled one, so a late generator
/// shows as latency), measured at the receiver like the WebSocket mode; the results have the
/// same fields as MessageLoad's for one rate (no --rates steps: compare.sh runs one rate per run).
class XmppLoadScenario final : public XmppObserver {
 public:
  enum class Shape : std::uint8_t { chat, fanout };

  XmppLoadScenario(Runtime& runtime, const CommonOptions& common, const ChatOptions& options,
                   const FanoutOptions& fanout, const XmppOptions& xmpp, const XmppTarget& target,
                   Shape shape);

  asio::awaitable<void> run(const std::vector<Account>& accounts);

  [[nodiscard]] nlohmann::json results(const Totals& totals) const;
  [[nodiscard]] std::string summary(const Totals& totals) const;
  /// No errors, every message sent in the window delivered to everyone, something delivered.
  [[nodiscard]] bool passed(const Totals& totals) const;

  void on_message(XmppClient& client, const StanzaInfo& message, std::int64_t now) override;
  void on_problem(XmppClient& client, std::string_view code) override;

 private:
  [[nodiscard]] bool in_window(std::int64_t t) const {
    return t >= window_start_ && t < window_end_;
  }
  [[nodiscard]] std::size_t receivers() const { return shape_ == Shape::chat ? 1 : clients_ - 1; }
  [[nodiscard]] std::uint64_t expected_of_window(const Totals& totals) const {
    return totals.get(Stat::sent_in_window) * receivers();
  }
  asio::awaitable<bool> join_room();
  void send(XmppPeer& peer, std::int64_t sent_ns);
  asio::awaitable<void> drain();

  Runtime& runtime_;
  CommonOptions common_;
  ChatOptions options_;
  XmppOptions xmpp_;
  XmppTarget target_;
  Shape shape_;
  std::size_t clients_ = 0;
  std::size_t senders_ = 0;  // peers_[0 .. senders_) send
  std::string room_jid_;
  std::vector<XmppPeer> peers_;
  ConnectReport connect_;
  double join_seconds_ = 0;
  std::string fatal_;
  std::int64_t start_ns_ = 0;
  std::int64_t window_start_ = 0;
  std::int64_t window_end_ = 0;
  std::int64_t self_cpu_start_ = 0;
  std::int64_t self_cpu_end_ = 0;
  ServerSample server_start_;
  ServerSample server_end_;
  double drain_seconds_ = 0;
  bool drained_ = false;
};

}  // namespace messenger::bench
