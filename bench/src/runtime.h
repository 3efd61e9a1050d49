#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asio.h"
#include "histogram.h"

namespace messenger::bench {

/// A counter with one writer (its thread) and any number of readers: plain loads and stores,
/// no locked instruction on the hot path. The store releases and the read acquires (free on
/// x86), so a reader that sees a count also sees what its thread recorded before counting.
class Counter {
 public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }
  [[nodiscard]] std::uint64_t get() const { return value_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

enum class Stat : std::uint8_t {
  sent,                 // msg.send written
  acked,                // results to msg.send
  send_errors,          // error replies to msg.send
  delivered,            // message.new received
  skipped,              // open loop: not sent, the client had --max-in-flight unacknowledged
  sent_in_window,       // sent with a timestamp inside the measurement window
  acked_in_window,      // acks received inside the window
  delivered_in_window,  // deliveries received inside the window
  acked_of_window,      // acks of messages sent inside the window, whenever received
  delivered_of_window,  // deliveries of messages sent inside the window, whenever received
  duplicates,           // results with "duplicate": true
  unexpected,           // deliveries from someone other than the partner
  problems,             // lost connections, unsolicited errors, unreadable frames
  count_
};
/// `send_lag`: how long after its scheduled time the generator sent a message (open loop). The
/// other latencies count from the scheduled time, so this is the generator's part of them.
enum class Latency : std::uint8_t { ack, delivery, login, send_lag, count_ };

inline constexpr std::size_t kStats = static_cast<std::size_t>(Stat::count_);
inline constexpr std::size_t kLatencies = static_cast<std::size_t>(Latency::count_);

/// Counters and latencies of one thread, for the whole run or for one measurement window.
struct Tally {
  std::array<Counter, kStats> counters;
  std::array<Histogram, kLatencies> latencies;

  void add(Stat stat, std::uint64_t n = 1) { counters[static_cast<std::size_t>(stat)].add(n); }
  void record(Latency which, std::int64_t ns) {
    latencies[static_cast<std::size_t>(which)].record(ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
  }
};

/// One delivery of a message sent inside a step's measurement window (--latency-log).
struct Delivery {
  std::int64_t sent_ns;      // the scheduled send time (steady clock)
  std::int64_t received_ns;  // when the receiver read it
  std::uint32_t step;
};

/// What one IO thread measured: the whole run, plus one Tally per measurement window (a rate
/// step), so that each step has its own latency histograms. Only its thread writes; counters
/// may be read from any thread, histograms and errors only once the threads have stopped.
struct alignas(64) Recorder : Tally {
  std::map<std::string, std::uint64_t, std::less<>> errors;
  std::vector<std::unique_ptr<Tally>> windows;  // sized by Runtime::add_windows
  std::vector<Delivery> deliveries;             // only with --latency-log; read after the run

  void error(std::string_view code);
  [[nodiscard]] Tally& window(std::size_t index) { return *windows[index]; }

  /// The recorder of the calling thread.
  static Recorder& local();
};

/// Tallies merged over the threads.
struct Figures {
  std::array<std::uint64_t, kStats> counters{};
  std::array<Histogram, kLatencies> latencies;

  [[nodiscard]] std::uint64_t get(Stat stat) const {
    return counters[static_cast<std::size_t>(stat)];
  }
  [[nodiscard]] const Histogram& latency(Latency which) const {
    return latencies[static_cast<std::size_t>(which)];
  }
  void merge(const Tally& tally);
};

/// Every recorder merged.
struct Totals : Figures {
  std::map<std::string, std::uint64_t, std::less<>> errors;
  std::vector<Figures> windows;

  [[nodiscard]] std::uint64_t error_count() const;
};

/// One io_context run by N threads (the calling one included), a control strand for the
/// scenario's own logic, and a Recorder per thread.
class Runtime {
 public:
  explicit Runtime(int threads);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  asio::io_context& io() { return io_; }
  [[nodiscard]] int threads() const { return threads_; }
  /// The executor for one client: its own strand with several threads, else the io_context's.
  asio::any_io_executor client_executor();
  [[nodiscard]] asio::any_io_executor control() const { return control_; }

  /// Runs until no work is left. An exception thrown by a handler stops every thread and is
  /// rethrown here.
  void run();

  /// Gives every thread's recorder `count` measurement windows (Recorder::window). Call it
  /// before any handler can record into them, e.g. before the first message is sent.
  void add_windows(std::size_t count);
  [[nodiscard]] std::size_t windows() const { return recorders_.front()->windows.size(); }

  /// Sum of one counter over the threads (callable while running).
  [[nodiscard]] std::uint64_t sum(Stat stat) const;
  [[nodiscard]] std::uint64_t window_sum(std::size_t window, Stat stat) const;
  /// One window merged over the threads, while running: the histograms are complete only once
  /// nothing records into the window any more and the counts say so (see Counter).
  [[nodiscard]] Figures window_figures(std::size_t window) const;
  /// Everything merged (after run()).
  [[nodiscard]] Totals totals() const;
  /// Gives every thread's recorder room for `per_thread` deliveries (--latency-log). Call it
  /// before any handler can record one.
  void reserve_deliveries(std::size_t per_thread);
  /// Every thread's deliveries, moved out and in send order (after run()).
  [[nodiscard]] std::vector<Delivery> take_deliveries();

  /// Keeps an object alive until the Runtime goes (e.g. clients still closing).
  void keep(std::shared_ptr<void> object) { kept_.push_back(std::move(object)); }

 private:
  asio::io_context io_;
  int threads_;
  asio::strand<asio::io_context::executor_type> control_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
  std::vector<std::shared_ptr<void>> kept_;
  std::exception_ptr failure_;
};

/// Runs body(i) for every i in [0, count), at most `limit` at once, on the calling coroutine's
/// executor; completes when all have. The first exception is rethrown after all have ended.
asio::awaitable<void> for_each_limited(std::size_t count, std::size_t limit,
                                       std::function<asio::awaitable<void>(std::size_t)> body);

/// Suspends the calling coroutine for `ns` nanoseconds / until `deadline_ns` (steady clock).
asio::awaitable<void> sleep_ns(std::int64_t ns);
asio::awaitable<void> sleep_until_ns(std::int64_t deadline_ns);

}  // namespace messenger::bench
