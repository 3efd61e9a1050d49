#include "runtime.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "proc_stats.h"

namespace messenger::bench {
namespace {

thread_local Recorder* tls_recorder = nullptr;
Recorder* fallback_recorder = nullptr;

}  // namespace

void Recorder::error(std::string_view code) {
  const auto it = errors.find(code);
  if (it != errors.end()) {
    ++it->second;
  } else {
    errors.emplace(std::string(code), 1);
  }
}

Recorder& Recorder::local() {
  return tls_recorder != nullptr ? *tls_recorder : *fallback_recorder;
}

void Figures::merge(const Tally& tally) {
  for (std::size_t i = 0; i < kStats; ++i) counters[i] += tally.counters[i].get();
  for (std::size_t i = 0; i < kLatencies; ++i) latencies[i].merge(tally.latencies[i]);
}

std::uint64_t Totals::error_count() const {
  std::uint64_t total = 0;
  for (const auto& [code, count] : errors) total += count;
  return total;
}

Runtime::Runtime(int threads)
    : io_(threads), threads_(threads < 1 ? 1 : threads), control_(asio::make_strand(io_)) {
  for (int i = 0; i < threads_; ++i) recorders_.push_back(std::make_unique<Recorder>());
  fallback_recorder = recorders_.front().get();
}

Runtime::~Runtime() {
  // Clients and sockets go before the io_context that they belong to.
  kept_.clear();
  if (fallback_recorder == recorders_.front().get()) fallback_recorder = nullptr;
}

asio::any_io_executor Runtime::client_executor() {
  if (threads_ == 1) return io_.get_executor();
  return asio::make_strand(io_);
}

void Runtime::run() {
  std::mutex failure_mutex;
  const auto body = [&](Recorder* recorder) {
    tls_recorder = recorder;
    try {
      io_.run();
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure_) failure_ = std::current_exception();
      io_.stop();
    }
    tls_recorder = nullptr;
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads_; ++i) {
    pool.emplace_back(body, recorders_[static_cast<std::size_t>(i)].get());
  }
  body(recorders_.front().get());
  for (auto& thread : pool) thread.join();
  if (failure_) std::rethrow_exception(failure_);
}

std::uint64_t Runtime::sum(Stat stat) const {
  std::uint64_t total = 0;
  for (const auto& recorder : recorders_) {
    total += recorder->counters[static_cast<std::size_t>(stat)].get();
  }
  return total;
}

void Runtime::add_windows(std::size_t count) {
  for (auto& recorder : recorders_) {
    for (std::size_t i = 0; i < count; ++i) recorder->windows.push_back(std::make_unique<Tally>());
  }
}

std::uint64_t Runtime::window_sum(std::size_t window, Stat stat) const {
  std::uint64_t total = 0;
  for (const auto& recorder : recorders_) {
    total += recorder->windows[window]->counters[static_cast<std::size_t>(stat)].get();
  }
  return total;
}

Figures Runtime::window_figures(std::size_t window) const {
  Figures figures;
  for (const auto& recorder : recorders_) figures.merge(*recorder->windows[window]);
  return figures;
}

Totals Runtime::totals() const {
  Totals totals;
  totals.windows.resize(windows());
  for (const auto& recorder : recorders_) {
    totals.merge(*recorder);
    for (std::size_t w = 0; w < recorder->windows.size(); ++w) {
      totals.windows[w].merge(*recorder->windows[w]);
    }
    for (const auto& [code, count] : recorder->errors) totals.errors[code] += count;
  }
  return totals;
}

void Runtime::reserve_deliveries(std::size_t per_thread) {
  for (auto& recorder : recorders_) recorder->deliveries.reserve(per_thread);
}

std::vector<Delivery> Runtime::take_deliveries() {
  std::vector<Delivery> all = std::move(recorders_.front()->deliveries);
  for (std::size_t i = 1; i < recorders_.size(); ++i) {
    auto& more = recorders_[i]->deliveries;
    all.insert(all.end(), more.begin(), more.end());
    std::vector<Delivery>().swap(more);
  }
  // A fan-out message's deliveries share their send time: order them by arrival.
  std::sort(all.begin(), all.end(), [](const Delivery& a, const Delivery& b) {
    return a.sent_ns != b.sent_ns ? a.sent_ns < b.sent_ns : a.received_ns < b.received_ns;
  });
  return all;
}

namespace {

struct LimitedState {
  explicit LimitedState(const asio::any_io_executor& executor) : all_done(executor) {
    all_done.expires_at(asio::steady_timer::time_point::max());
  }
  std::size_t next = 0;
  std::size_t running = 0;
  std::exception_ptr failure;
  asio::steady_timer all_done;
};

asio::awaitable<void> limited_worker(std::shared_ptr<LimitedState> state, std::size_t count,
                                     std::function<asio::awaitable<void>(std::size_t)> body) {
  while (state->next < count) {
    const std::size_t i = state->next++;
    co_await body(i);
  }
}

}  // namespace

asio::awaitable<void> for_each_limited(std::size_t count, std::size_t limit,
                                       std::function<asio::awaitable<void>(std::size_t)> body) {
  const auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<LimitedState>(executor);
  const std::size_t workers = std::min(count, std::max<std::size_t>(limit, 1));
  if (workers == 0) co_return;
  state->running = workers;
  for (std::size_t w = 0; w < workers; ++w) {
    asio::co_spawn(executor, limited_worker(state, count, body),
                   [state](std::exception_ptr failure) {
                     if (failure && !state->failure) {
                       state->failure = failure;
                       state->next = SIZE_MAX;  // start nothing more
                     }
                     if (--state->running == 0) state->all_done.cancel();
                   });
  }
  boost::system::error_code ignored;
  co_await state->all_done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  if (state->failure) std::rethrow_exception(state->failure);
}

asio::awaitable<void> sleep_until_ns(std::int64_t deadline_ns) {
  const std::int64_t wait = deadline_ns - now_ns();
  if (wait <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::nanoseconds(wait));
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<void> sleep_ns(std::int64_t ns) {
  co_await sleep_until_ns(now_ns() + ns);
}

}  // namespace messenger::bench
