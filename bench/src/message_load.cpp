#include "message_load.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "figures.h"
#include "proc_stats.h"
#include "server_metrics.h"
#include "steps.h"

namespace messenger::bench {

MessageLoad::MessageLoad(Runtime& runtime, const CommonOptions& common, const ChatOptions& options)
    : runtime_(runtime), common_(common), options_(options) {
  std::vector<double> rates = options_.rates;
  if (rates.empty()) rates.push_back(options_.rate);
  for (const double rate : rates) {
    steps_.push_back(std::make_unique<Step>());
    steps_.back()->rate = rate;
  }
}

asio::awaitable<void> MessageLoad::run(const std::vector<Account>& accounts) {
  // Before any client exists: the callbacks index the windows from then on.
  runtime_.add_windows(steps_.size());
  fatal_ = co_await prepare(accounts);
  if (!fatal_.empty()) {
    co_await close_clients(peers_, 5);
    co_return;
  }
  if (!options_.latency_log.empty()) reserve_latency_log();
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    co_await run_step(i);
    if (!steps_[i]->saturation.empty()) break;
  }
  co_await close_clients(peers_, 5);
}

void MessageLoad::reserve_latency_log() {
  // Growing a vector of millions mid-window would copy it there, a stall of the generator's own
  // inside the latencies it measures. With a fixed rate the deliveries are known in advance,
  // give or take how the receivers spread over the threads.
  double expected = 0;
  for (const auto& step : steps_) {
    expected += step->rate * options_.duration_s * static_cast<double>(receivers_per_message());
  }
  const double per_thread = expected / runtime_.threads() * (runtime_.threads() > 1 ? 1.25 : 1.05);
  runtime_.reserve_deliveries(static_cast<std::size_t>(per_thread) + 1024);
}

asio::awaitable<void> MessageLoad::run_step(std::size_t index) {
  Step& step = *steps_[index];
  const std::int64_t start = now_ns();
  step.ran = true;
  step.start_ns.store(start, std::memory_order_relaxed);
  step.window_start.store(start + seconds_to_ns(options_.warmup_s), std::memory_order_relaxed);
  step.window_end.store(start + seconds_to_ns(options_.warmup_s + options_.duration_s),
                        std::memory_order_relaxed);
  // Release: the times above are visible to every IO thread before the first send they see.
  current_.store(static_cast<int>(index), std::memory_order_release);

  if (open_loop()) {
    pacing_ = true;
    asio::co_spawn(co_await asio::this_coro::executor, pace(step), asio::detached);
  } else {
    for (std::size_t s = 0; s < senders(); ++s) {
      Peer& peer = peers_[s];
      asio::dispatch(peer.client->executor(), [this, &peer] {
        for (std::size_t w = 0; w < options_.window; ++w) send(peer, now_ns());
      });
    }
  }

  co_await sleep_until_ns(step.window_start.load(std::memory_order_relaxed));
  sample_window_edge(step, /*start=*/true);
  co_await sleep_until_ns(step.window_end.load(std::memory_order_relaxed));
  sample_window_edge(step, /*start=*/false);
  while (pacing_ || !collect_metrics(step)) co_await sleep_ns(1'000'000);

  co_await drain(index);
  // The decision reads this step's histograms: the IO threads write them only while the step's
  // messages are in flight, and that is over once the step has drained.
  if (!open_loop() || !step.drained) {
    if (!step.drained && open_loop()) {
      const std::uint64_t expected =
          runtime_.window_sum(index, Stat::sent_in_window) * receivers_per_message();
      const std::uint64_t delivered = runtime_.window_sum(index, Stat::delivered_of_window);
      step.saturation =
          fmt::format("{} of {} deliveries still missing after --drain {}s",
                      expected - std::min(expected, delivered), expected, options_.drain_s);
    }
    co_return;
  }
  const Figures figures = runtime_.window_figures(index);
  StepOutcome outcome;
  outcome.offered_deliveries_per_s = step.rate * static_cast<double>(receivers_per_message());
  outcome.delivered_per_s = per_second(figures.get(Stat::delivered_in_window), step.window_ns());
  outcome.errors = step_errors(figures);
  outcome.delivery_p99_ns = figures.latency(Latency::delivery).percentile(0.99);
  step.saturation = saturation_reason(outcome);
}

void MessageLoad::sample_window_edge(Step& step, bool start) const {
  (start ? step.self_cpu_start : step.self_cpu_end) = self_cpu_ns();
  (start ? step.server_start : step.server_end) = sample_server(common_.server_pid);
  // A loopback GET on a thread of its own: the control strand also paces the sends, and a slow
  // page would hold them back. It reads the histogram ~1 ms after the edge.
  (start ? step.metrics_start : step.metrics_end) =
      std::async(std::launch::async, fetch_message_seconds, common_.target);
}

bool MessageLoad::collect_metrics(Step& step) {
  const auto done = [](const std::future<std::optional<BucketCounts>>& fetch) {
    return !fetch.valid() || fetch.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  };
  if (!done(step.metrics_start) || !done(step.metrics_end)) return false;
  if (step.metrics_start.valid()) step.server_start.message_seconds = step.metrics_start.get();
  if (step.metrics_end.valid()) step.server_end.message_seconds = step.metrics_end.get();
  return true;
}

int MessageLoad::window_of(std::int64_t t) const {
  const int current = current_.load(std::memory_order_acquire);
  for (int i = current; i >= 0; --i) {
    const Step& step = *steps_[static_cast<std::size_t>(i)];
    if (t >= step.window_start.load(std::memory_order_relaxed) &&
        t < step.window_end.load(std::memory_order_relaxed)) {
      return i;
    }
  }
  return -1;
}

asio::awaitable<void> MessageLoad::pace(Step& step) {
  const double ns_per_message = 1e9 / step.rate;
  const std::size_t n = senders();
  const std::int64_t start = step.start_ns.load(std::memory_order_relaxed);
  const std::int64_t end = step.window_end.load(std::memory_order_relaxed);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t scheduled = 0;
  for (;;) {
    // Message k is due at start + k / rate; sender k mod n sends it. A late wake-up (a busy
    // machine) sends the backlog, up to the end of the window, rather than dropping it.
    const std::int64_t now = std::min(now_ns(), end);
    const auto due =
        static_cast<std::uint64_t>(static_cast<double>(now - start) / ns_per_message) + 1;
    for (; scheduled < due; ++scheduled) {
      const std::int64_t at =
          start + static_cast<std::int64_t>(static_cast<double>(scheduled) * ns_per_message);
      if (at >= end) break;
      Peer& peer = peers_[scheduled % n];
      asio::dispatch(peer.client->executor(), [this, &peer, at] { send(peer, at); });
    }
    if (now >= end) break;
    timer.expires_after(std::chrono::microseconds(options_.tick_us));
    co_await timer.async_wait(asio::use_awaitable);
  }
  pacing_ = false;
}

asio::awaitable<void> MessageLoad::drain(std::size_t index) {
  Step& step = *steps_[index];
  const std::int64_t begin = now_ns();
  const std::int64_t deadline = begin + seconds_to_ns(options_.drain_s);
  const std::uint64_t receivers = receivers_per_message();
  for (;;) {
    const std::uint64_t sent = runtime_.window_sum(index, Stat::sent_in_window);
    const std::uint64_t acked = runtime_.window_sum(index, Stat::acked_of_window);
    const std::uint64_t answered = acked + runtime_.window_sum(index, Stat::send_errors);
    if (answered >= sent &&
        runtime_.window_sum(index, Stat::delivered_of_window) >= acked * receivers) {
      step.drained = true;
      break;
    }
    if (now_ns() >= deadline) break;
    co_await sleep_ns(2'000'000);
  }
  step.drain_s = static_cast<double>(now_ns() - begin) / 1e9;
}

void MessageLoad::send(Peer& peer, std::int64_t sent_ns) {
  Recorder& recorder = Recorder::local();
  const int window = window_of(sent_ns);
  Client& client = *peer.client;
  if (!client.ready() || (open_loop() && client.in_flight() >= options_.max_in_flight)) {
    recorder.add(Stat::skipped);
    if (window >= 0) recorder.window(static_cast<std::size_t>(window)).add(Stat::skipped);
    return;
  }
  client.send_message(peer.conversation_id, sent_ns, options_.text_bytes);
  recorder.add(Stat::sent);
  if (window >= 0) {
    Tally& tally = recorder.window(static_cast<std::size_t>(window));
    tally.add(Stat::sent_in_window);
    if (open_loop()) tally.record(Latency::send_lag, now_ns() - sent_ns);
  }
}

void MessageLoad::on_ack(Client& client, const FrameInfo& frame, std::int64_t now) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::acked);
  if (frame.duplicate) recorder.add(Stat::duplicates);
  const int received_in = window_of(now);
  if (received_in >= 0) {
    recorder.window(static_cast<std::size_t>(received_in)).add(Stat::acked_in_window);
  }
  const int sent_in = window_of(frame.sent_ns);
  if (sent_in >= 0) {
    // Recorded before it is counted: whoever sees the count sees the latency (Counter).
    Tally& tally = recorder.window(static_cast<std::size_t>(sent_in));
    tally.record(Latency::ack, now - frame.sent_ns);
    tally.add(Stat::acked_of_window);
  }
  if (!open_loop()) {
    const Step& step = *steps_.front();
    if (now < step.window_end.load(std::memory_order_relaxed)) send(peers_[client.tag()], now);
  }
}

void MessageLoad::on_send_error(Client& client, const FrameInfo& frame) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::send_errors);
  recorder.error("msg.send: " + frame.code);
  // An error reply has no text, hence no send time: it counts in the step under way.
  const auto current = static_cast<std::size_t>(current_.load(std::memory_order_acquire));
  recorder.window(current).add(Stat::send_errors);
  if (!open_loop()) {
    const std::int64_t now = now_ns();
    if (now < steps_.front()->window_end.load(std::memory_order_relaxed)) {
      send(peers_[client.tag()], now);
    }
  }
}

void MessageLoad::on_delivery(Client& client, const FrameInfo& frame, std::int64_t now) {
  Recorder& recorder = Recorder::local();
  const Peer& peer = peers_[client.tag()];
  if (!expected(peer, frame)) {
    recorder.add(Stat::unexpected);
    recorder.error("message.new from an unexpected sender or conversation");
    return;
  }
  recorder.add(Stat::delivered);
  const int received_in = window_of(now);
  if (received_in >= 0) {
    recorder.window(static_cast<std::size_t>(received_in)).add(Stat::delivered_in_window);
  }
  const int sent_in = window_of(frame.sent_ns);
  if (sent_in >= 0) {
    Tally& tally = recorder.window(static_cast<std::size_t>(sent_in));
    tally.record(Latency::delivery, now - frame.sent_ns);
    tally.add(Stat::delivered_of_window);
    if (!options_.latency_log.empty()) {
      recorder.deliveries.push_back({.sent_ns = frame.sent_ns,
                                     .received_ns = now,
                                     .step = static_cast<std::uint32_t>(sent_in)});
    }
  }
}

void MessageLoad::on_problem(Client& /*client*/, std::string_view code) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::problems);
  recorder.error(code);
  const auto current = static_cast<std::size_t>(current_.load(std::memory_order_acquire));
  recorder.window(current).add(Stat::problems);
}

std::uint64_t MessageLoad::step_errors(const Figures& figures) const {
  return figures.get(Stat::send_errors) + figures.get(Stat::problems) +
         figures.get(Stat::unexpected);
}

nlohmann::json MessageLoad::step_json(std::size_t index, const Figures& f) const {
  const Step& step = *steps_[index];
  const std::int64_t window = step.window_ns();
  const std::uint64_t receivers = receivers_per_message();
  const std::uint64_t delivered = f.get(Stat::delivered_in_window);
  // Every message sent in the window and not refused should reach every receiver, whether or
  // not its ack came back before the end of the drain.
  const std::uint64_t sent = f.get(Stat::sent_in_window);
  const std::uint64_t refused = std::min(sent, f.get(Stat::send_errors));
  const std::uint64_t expected_deliveries = (sent - refused) * receivers;
  const std::uint64_t delivered_of_window = f.get(Stat::delivered_of_window);
  nlohmann::json r;
  r["step"] = index + 1;
  r["offered_rate"] = step.rate;
  r["offered_deliveries_per_s"] = step.rate * static_cast<double>(receivers);
  r["throughput"] = {{"sent_per_s", round2(per_second(f.get(Stat::sent_in_window), window))},
                     {"acked_per_s", round2(per_second(f.get(Stat::acked_in_window), window))},
                     {"delivered_per_s", round2(per_second(delivered, window))}};
  r["counts"] = {
      {"sent_in_window", f.get(Stat::sent_in_window)},
      {"acked_of_window", f.get(Stat::acked_of_window)},
      {"delivered_of_window", delivered_of_window},
      {"undelivered",
       expected_deliveries > delivered_of_window ? expected_deliveries - delivered_of_window : 0},
      {"send_errors", f.get(Stat::send_errors)},
      {"problems", f.get(Stat::problems)},
      {"skipped", f.get(Stat::skipped)},
      {"drained", step.drained},
      {"drain_s", round2(step.drain_s)}};
  r["latency_ms"] = {{"delivery", latency_json(f.latency(Latency::delivery))},
                     {"ack", latency_json(f.latency(Latency::ack))}};
  if (open_loop()) r["latency_ms"]["send_lag"] = latency_json(f.latency(Latency::send_lag));
  if (auto server = server_message_json(step.server_start, step.server_end); !server.is_null()) {
    r["latency_ms"]["server_message"] = std::move(server);
  }
  r["generator"] =
      window_cpu_json(step.self_cpu_end - step.self_cpu_start, window, delivered, receivers);
  r["server"] = server_window_json(common_.server_pid, step.server_start, step.server_end, window,
                                   delivered, receivers);
  r["saturated"] = !step.saturation.empty();
  if (!step.saturation.empty()) r["saturation"] = step.saturation;
  return r;
}

nlohmann::json MessageLoad::results(const Totals& totals) const {
  nlohmann::json r;
  r["scenario"] = std::string(name());
  r["ok"] = passed(totals);
  if (!fatal_.empty()) r["fatal"] = fatal_;
  nlohmann::json config = {{"url", common_.url},
                           {"mode", open_loop() ? "open" : "closed"},
                           {"window", options_.window},
                           {"duration_s", options_.duration_s},
                           {"warmup_s", options_.warmup_s},
                           {"drain_s", options_.drain_s},
                           {"text_bytes", options_.text_bytes},
                           {"threads", runtime_.threads()},
                           {"parser", parser_name(common_.parser)},
                           {"auth", common_.auth == AuthMode::token ? "token" : "password"}};
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& step : steps_) rates.push_back(step->rate);
  config["rates"] = rates;
  config.update(this->config());
  r["config"] = config;
  r["connect"] = {{"attempted", connect_.attempted},
                  {"ready", connect_.ready},
                  {"seconds", round2(connect_.seconds())},
                  {"login_latency_ms", latency_json(totals.latency(Latency::login))}};
  r["counts"] = {{"sent", totals.get(Stat::sent)},
                 {"acked", totals.get(Stat::acked)},
                 {"delivered", totals.get(Stat::delivered)},
                 {"send_errors", totals.get(Stat::send_errors)},
                 {"skipped", totals.get(Stat::skipped)},
                 {"duplicates", totals.get(Stat::duplicates)},
                 {"unexpected", totals.get(Stat::unexpected)}};
  r["errors"] = errors_json(totals);
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 0; i < steps_.size() && i < totals.windows.size(); ++i) {
    if (!steps_[i]->ran) break;
    steps.push_back(step_json(i, totals.windows[i]));
  }
  if (steps.size() == 1 && options_.rates.empty()) {
    // A single run keeps the figures at the top level as before the steps (scripts read them).
    for (const auto& [key, value] : steps.front().items()) {
      if (key == "counts") {
        r["counts"].update(value);
      } else if (key == "latency_ms") {
        r["latency_ms"] = value;
        r["latency_ms"]["login"] = r["connect"]["login_latency_ms"];
      } else if (key != "step") {
        r[key] = value;
      }
    }
  }
  r["steps"] = steps;
  return r;
}

std::string MessageLoad::step_summary(std::size_t index, const nlohmann::json& s) const {
  const Step& step = *steps_[index];
  const auto& t = s["throughput"];
  const auto& delivery = s["latency_ms"]["delivery"];
  const auto& ack = s["latency_ms"]["ack"];
  const auto ms = [](const nlohmann::json& value) {
    return format_ms(static_cast<std::uint64_t>(value.get<double>() * 1e6));
  };
  const bool per_message = receivers_per_message() == 1;
  const char* unit = per_message ? "msg" : "delivery";
  std::string offered = step.rate > 0 ? fmt::format("{:.0f}/s", step.rate) : std::string("max");
  if (!per_message && step.rate > 0) {
    offered += fmt::format(" ({:.0f} deliveries/s)", s["offered_deliveries_per_s"].get<double>());
  }
  const std::string cpu_key = per_message ? "cpu_us_per_msg" : "cpu_us_per_delivery";
  std::string line = fmt::format(
      "{} {} mode={} offered={} sent={:.0f}/s acked={:.0f}/s delivered={:.0f}/s "
      "delivery_p50={} p99={} p999={} ack_p50={} p99={} p999={} errors={} undelivered={} "
      "bench_cpu={:.1f}us/{} ({:.0f}%)",
      name(), label(), open_loop() ? "open" : fmt::format("closed(W={})", options_.window), offered,
      t["sent_per_s"].get<double>(), t["acked_per_s"].get<double>(),
      t["delivered_per_s"].get<double>(), ms(delivery["p50"]), ms(delivery["p99"]),
      ms(delivery["p999"]), ms(ack["p50"]), ms(ack["p99"]), ms(ack["p999"]),
      s["counts"]["send_errors"].get<std::uint64_t>() +
          s["counts"]["problems"].get<std::uint64_t>(),
      s["counts"]["undelivered"].get<std::uint64_t>(), s["generator"][cpu_key].get<double>(), unit,
      s["generator"]["cpu_percent"].get<double>());
  if (s["latency_ms"].contains("send_lag")) {
    // The generator's own lateness, which the latencies above include.
    line += p50_p99_summary("send_lag", s["latency_ms"]["send_lag"]);
  }
  if (s["latency_ms"].contains("server_message")) {
    // The server's own part: from a msg.send's arrival to its acknowledgement's release.
    line += p50_p99_summary("server_msg", s["latency_ms"]["server_message"]);
  }
  if (steps_.size() > 1) line = fmt::format("step={}/{} ", index + 1, steps_.size()) + line;
  line += server_window_summary(s["server"], per_message);
  const auto skipped = s["counts"]["skipped"].get<std::uint64_t>();
  if (skipped > 0) line += fmt::format(" skipped={}", skipped);
  if (!step.drained) line += " (not drained)";
  if (!step.saturation.empty()) line += " SATURATED: " + step.saturation;
  return line;
}

std::string MessageLoad::summary(const Totals& totals) const {
  if (!fatal_.empty()) {
    return fmt::format("{} FAILED: {} errors={}{}", name(), fatal_, totals.error_count(),
                       top_error(totals));
  }
  const auto r = results(totals);
  std::string lines;
  for (const auto& step : r["steps"]) {
    if (!lines.empty()) lines += '\n';
    lines += step_summary(step["step"].get<std::size_t>() - 1, step);
  }
  // Unchecked runs also say when an error happened outside every window (e.g. while closing).
  if (totals.error_count() > 0) {
    lines += fmt::format(" (run errors={}{})", totals.error_count(), top_error(totals));
  }
  return lines;
}

bool MessageLoad::passed(const Totals& totals) const {
  if (!fatal_.empty() || totals.error_count() != 0) return false;
  const std::uint64_t receivers = receivers_per_message();
  std::size_t ran = 0;
  for (std::size_t i = 0; i < steps_.size() && i < totals.windows.size(); ++i) {
    if (!steps_[i]->ran) break;
    ++ran;
    const Figures& f = totals.windows[i];
    if (f.get(Stat::delivered_in_window) == 0 ||
        f.get(Stat::acked_of_window) != f.get(Stat::sent_in_window) ||
        f.get(Stat::delivered_of_window) != f.get(Stat::acked_of_window) * receivers) {
      return false;
    }
  }
  return ran > 0;
}

}  // namespace messenger::bench
