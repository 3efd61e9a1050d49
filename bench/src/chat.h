#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asio.h"
#include "client.h"
#include "options.h"
#include "runtime.h"
#include "scenario.h"

namespace messenger::bench {

/// Clients in pairs send 1:1 messages to their partner, either at a fixed offered total rate
/// (paced by a timer, spread evenly over the clients) or closed loop (each keeps `window`
/// messages unacknowledged). Each text starts with its send time (steady clock, ns): the
/// receiver measures send -> message.new, the sender send -> result. With a fixed rate the send
/// time is the scheduled one, so a generator that falls behind shows up as latency instead of
/// hiding it (no coordinated omission).
class ChatScenario final : public ClientObserver {
 public:
  ChatScenario(Runtime& runtime, const CommonOptions& common, const ChatOptions& options);

  asio::awaitable<void> run(const std::vector<Account>& accounts);

  // After Runtime::run() has returned:
  [[nodiscard]] nlohmann::json results(const Totals& totals) const;
  [[nodiscard]] std::string summary(const Totals& totals) const;
  /// No errors, everything sent in the window acknowledged and delivered, something delivered.
  [[nodiscard]] bool passed(const Totals& totals) const;

  void on_ack(Client& client, const FrameInfo& frame, std::int64_t now) override;
  void on_send_error(Client& client, const FrameInfo& frame) override;
  void on_delivery(Client& client, const FrameInfo& frame, std::int64_t now) override;
  void on_problem(Client& client, std::string_view code) override;

 private:
  [[nodiscard]] bool open_loop() const { return options_.rate > 0; }
  [[nodiscard]] bool in_window(std::int64_t t) const {
    return t >= window_start_ && t < window_end_;
  }
  void send(Peer& peer, std::int64_t sent_ns);
  asio::awaitable<void> pace();
  asio::awaitable<void> drain();

  Runtime& runtime_;
  CommonOptions common_;
  ChatOptions options_;
  std::vector<Peer> peers_;
  ConnectReport connect_;
  std::string fatal_;
  // Set before the first send and constant afterwards.
  std::int64_t start_ns_ = 0;
  std::int64_t window_start_ = 0;
  std::int64_t window_end_ = 0;
  // Snapshots at the window's edges.
  std::int64_t self_cpu_start_ = 0;
  std::int64_t self_cpu_end_ = 0;
  ServerSample server_start_;
  ServerSample server_end_;
  double drain_seconds_ = 0;
  bool drained_ = false;
};

}  // namespace messenger::bench
