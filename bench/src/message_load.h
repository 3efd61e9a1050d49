#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "asio.h"
#include "client.h"
#include "options.h"
#include "runtime.h"
#include "scenario.h"

namespace messenger::bench {

/// The measurement that `chat` and `fanout` share: senders send messages to their conversation,
/// either at fixed offered total rates (one step per rate of --rates, each with its warm-up,
/// measurement window and drain, stopping after the first saturated step) or closed loop (each
/// sender keeps `window` messages unacknowledged). Each text starts with its send time (steady
/// clock, ns): every receiver measures send -> message.new, the sender send -> result. With a
/// fixed rate the send time is the scheduled one, so a generator that falls behind shows up as
/// latency instead of hiding it (no coordinated omission).
///
/// A scenario says who connects, who sends where, which deliveries it expects and to how many
/// receivers each message goes. The transport is Client (protocol v1 over WebSocket) through
/// Client::send_message and the ClientObserver callbacks; another transport needs a client with
/// the same two surfaces.
class MessageLoad : public ClientObserver {
 public:
  MessageLoad(Runtime& runtime, const CommonOptions& common, const ChatOptions& options);
  MessageLoad(const MessageLoad&) = delete;
  MessageLoad& operator=(const MessageLoad&) = delete;

  asio::awaitable<void> run(const std::vector<Account>& accounts);

  // After Runtime::run() has returned:
  [[nodiscard]] nlohmann::json results(const Totals& totals) const;
  /// One line per step.
  [[nodiscard]] std::string summary(const Totals& totals) const;
  /// No errors; in every step everything sent in the window acknowledged and delivered to every
  /// receiver, and something delivered.
  [[nodiscard]] bool passed(const Totals& totals) const;

  void on_ack(Client& client, const FrameInfo& frame, std::int64_t now) override;
  void on_send_error(Client& client, const FrameInfo& frame) override;
  void on_delivery(Client& client, const FrameInfo& frame, std::int64_t now) override;
  void on_problem(Client& client, std::string_view code) override;

 protected:
  ~MessageLoad() = default;

  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Checks the accounts, connects the clients into peers_ (senders first) and sets each
  /// sender's Peer::conversation_id. Returns what went wrong, or "".
  virtual asio::awaitable<std::string> prepare(const std::vector<Account>& accounts) = 0;
  /// peers_[0 .. senders()) send.
  [[nodiscard]] virtual std::size_t senders() const = 0;
  /// Deliveries that one message makes (1 for a 1:1 chat, members - 1 in a channel).
  [[nodiscard]] virtual std::size_t receivers_per_message() const = 0;
  /// Whether a message.new at `receiver` is one this scenario's senders sent to it.
  [[nodiscard]] virtual bool expected(const Peer& receiver, const FrameInfo& frame) const = 0;
  /// The scenario's own part of the configuration (JSON) and of the summary line.
  [[nodiscard]] virtual nlohmann::json config() const = 0;
  [[nodiscard]] virtual std::string label() const = 0;

  Runtime& runtime_;
  CommonOptions common_;
  ChatOptions options_;
  std::vector<Peer> peers_;
  ConnectReport connect_;

 private:
  /// One rate step. The times are written by the control strand before the step's first send
  /// and read by every IO thread.
  struct Step {
    double rate = 0;  // offered msg/s; 0 = closed loop
    std::atomic<std::int64_t> start_ns{0};
    std::atomic<std::int64_t> window_start{0};
    std::atomic<std::int64_t> window_end{0};
    [[nodiscard]] std::int64_t window_ns() const {
      return window_end.load(std::memory_order_relaxed) -
             window_start.load(std::memory_order_relaxed);
    }
    // Control strand only:
    bool ran = false;
    std::int64_t self_cpu_start = 0;
    std::int64_t self_cpu_end = 0;
    ServerSample server_start;
    ServerSample server_end;
    // messenger_message_seconds at each end of the window, fetched off the control strand.
    std::future<std::optional<BucketCounts>> metrics_start;
    std::future<std::optional<BucketCounts>> metrics_end;
    double drain_s = 0;
    bool drained = false;
    std::string saturation;  // why the step saturated; "" if it kept up
  };

  [[nodiscard]] bool open_loop() const { return options_.rate > 0 || !options_.rates.empty(); }
  /// The step whose measurement window holds `t`, or -1.
  [[nodiscard]] int window_of(std::int64_t t) const;
  /// Samples the generator's CPU and the server's (--server-pid) at the start or the end of the
  /// step's window, and starts fetching the server's message latency histogram. Not a
  /// coroutine: GCC 12 warns (falsely, -Wmismatched-new-delete) about an awaitable frame holding
  /// the sample's vectors.
  void sample_window_edge(Step& step, bool start) const;
  /// Whether both of the step's histogram fetches have ended; then moves their results into the
  /// step's server samples.
  static bool collect_metrics(Step& step);
  /// Reserves each thread's --latency-log records for what the offered rates will deliver.
  void reserve_latency_log();
  asio::awaitable<void> run_step(std::size_t index);
  void send(Peer& peer, std::int64_t sent_ns);
  asio::awaitable<void> pace(Step& step);
  asio::awaitable<void> drain(std::size_t index);

  [[nodiscard]] nlohmann::json step_json(std::size_t index, const Figures& figures) const;
  [[nodiscard]] std::string step_summary(std::size_t index, const nlohmann::json& step) const;
  [[nodiscard]] std::uint64_t step_errors(const Figures& figures) const;

  std::vector<std::unique_ptr<Step>> steps_;
  std::atomic<int> current_{0};
  bool pacing_ = false;
  std::string fatal_;
};

}  // namespace messenger::bench
