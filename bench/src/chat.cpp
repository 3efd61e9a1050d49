#include "chat.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "figures.h"
#include "proc_stats.h"

namespace messenger::bench {
namespace {

std::int64_t seconds_to_ns(double s) {
  return static_cast<std::int64_t>(s * 1e9);
}

double per_second(std::uint64_t count, std::int64_t ns) {
  return ns > 0 ? static_cast<double>(count) * 1e9 / static_cast<double>(ns) : 0.0;
}

double round2(double v) {
  return std::round(v * 100) / 100;
}

}  // namespace

ChatScenario::ChatScenario(Runtime& runtime, const CommonOptions& common,
                           const ChatOptions& options)
    : runtime_(runtime), common_(common), options_(options) {}

asio::awaitable<void> ChatScenario::run(const std::vector<Account>& accounts) {
  if (options_.clients < 2 || options_.clients % 2 != 0) {
    fatal_ = "--clients must be even and at least 2";
    co_return;
  }
  if (accounts.size() < options_.clients) {
    fatal_ = fmt::format("{} clients need {} accounts, the state has {}", options_.clients,
                         options_.clients, accounts.size());
    co_return;
  }
  for (std::size_t i = 0; i < options_.clients; ++i) {
    if (accounts[i].conversation_id == 0) {
      fatal_ = "account " + accounts[i].username + " has no conversation (setup incomplete)";
      co_return;
    }
  }

  connect_ = co_await connect_clients(runtime_, common_, accounts, options_.clients, this, peers_);
  if (connect_.ready < connect_.attempted) {
    fatal_ = fmt::format("only {} of {} clients logged in", connect_.ready, connect_.attempted);
    co_await close_clients(peers_, 5);
    co_return;
  }

  start_ns_ = now_ns();
  window_start_ = start_ns_ + seconds_to_ns(options_.warmup_s);
  window_end_ = window_start_ + seconds_to_ns(options_.duration_s);
  const auto control = co_await asio::this_coro::executor;
  if (open_loop()) {
    asio::co_spawn(control, pace(), asio::detached);
  } else {
    for (auto& peer : peers_) {
      asio::dispatch(peer.client->executor(), [this, &peer] {
        for (std::size_t w = 0; w < options_.window; ++w) send(peer, now_ns());
      });
    }
  }

  co_await sleep_until_ns(window_start_);
  self_cpu_start_ = self_cpu_ns();
  server_start_ = sample_server(common_.server_pid);
  co_await sleep_until_ns(window_end_);
  self_cpu_end_ = self_cpu_ns();
  server_end_ = sample_server(common_.server_pid);

  co_await drain();
  co_await close_clients(peers_, 5);
}

asio::awaitable<void> ChatScenario::pace() {
  const double ns_per_message = 1e9 / options_.rate;
  const std::size_t n = peers_.size();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t scheduled = 0;
  for (;;) {
    const std::int64_t now = now_ns();
    if (now >= window_end_) break;
    // Message k is due at start + k / rate; client k mod n sends it.
    const auto due =
        static_cast<std::uint64_t>(static_cast<double>(now - start_ns_) / ns_per_message) + 1;
    for (; scheduled < due; ++scheduled) {
      const std::int64_t at =
          start_ns_ + static_cast<std::int64_t>(static_cast<double>(scheduled) * ns_per_message);
      Peer& peer = peers_[scheduled % n];
      asio::dispatch(peer.client->executor(), [this, &peer, at] { send(peer, at); });
    }
    timer.expires_after(std::chrono::microseconds(options_.tick_us));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> ChatScenario::drain() {
  const std::int64_t begin = now_ns();
  const std::int64_t deadline = begin + seconds_to_ns(options_.drain_s);
  for (;;) {
    const std::uint64_t sent = runtime_.sum(Stat::sent);
    const std::uint64_t answered = runtime_.sum(Stat::acked) + runtime_.sum(Stat::send_errors);
    if (answered >= sent && runtime_.sum(Stat::delivered) >= runtime_.sum(Stat::acked)) {
      drained_ = true;
      break;
    }
    if (now_ns() >= deadline) break;
    co_await sleep_ns(2'000'000);
  }
  drain_seconds_ = static_cast<double>(now_ns() - begin) / 1e9;
}

void ChatScenario::send(Peer& peer, std::int64_t sent_ns) {
  Recorder& recorder = Recorder::local();
  Client& client = *peer.client;
  if (!client.ready() || (open_loop() && client.in_flight() >= options_.max_in_flight)) {
    recorder.add(Stat::skipped);
    return;
  }
  client.send_message(peer.conversation_id, sent_ns, options_.text_bytes);
  recorder.add(Stat::sent);
  if (in_window(sent_ns)) recorder.add(Stat::sent_in_window);
}

void ChatScenario::on_ack(Client& client, const FrameInfo& frame, std::int64_t now) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::acked);
  if (frame.duplicate) recorder.add(Stat::duplicates);
  if (in_window(now)) recorder.add(Stat::acked_in_window);
  if (in_window(frame.sent_ns)) {
    recorder.add(Stat::acked_of_window);
    recorder.record(Latency::ack, now - frame.sent_ns);
  }
  if (!open_loop() && now < window_end_) send(peers_[client.tag()], now);
}

void ChatScenario::on_send_error(Client& client, const FrameInfo& frame) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::send_errors);
  recorder.error("msg.send: " + frame.code);
  if (!open_loop() && now_ns() < window_end_) send(peers_[client.tag()], now_ns());
}

void ChatScenario::on_delivery(Client& client, const FrameInfo& frame, std::int64_t now) {
  Recorder& recorder = Recorder::local();
  const Peer& peer = peers_[client.tag()];
  if (frame.sender_id != peer.partner_id || frame.conversation_id != peer.conversation_id) {
    recorder.add(Stat::unexpected);
    recorder.error("message.new from an unexpected sender or conversation");
    return;
  }
  recorder.add(Stat::delivered);
  if (in_window(now)) recorder.add(Stat::delivered_in_window);
  if (in_window(frame.sent_ns)) {
    recorder.add(Stat::delivered_of_window);
    recorder.record(Latency::delivery, now - frame.sent_ns);
  }
}

void ChatScenario::on_problem(Client& /*client*/, std::string_view code) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::problems);
  recorder.error(code);
}

nlohmann::json ChatScenario::results(const Totals& totals) const {
  const std::int64_t window = window_end_ - window_start_;
  const auto delivered = totals.get(Stat::delivered_in_window);
  nlohmann::json r;
  r["scenario"] = "chat";
  r["ok"] = passed(totals);
  if (!fatal_.empty()) r["fatal"] = fatal_;
  r["config"] = {{"url", common_.url},
                 {"clients", options_.clients},
                 {"mode", open_loop() ? "open" : "closed"},
                 {"offered_rate", options_.rate},
                 {"window", options_.window},
                 {"duration_s", options_.duration_s},
                 {"warmup_s", options_.warmup_s},
                 {"text_bytes", options_.text_bytes},
                 {"threads", runtime_.threads()},
                 {"parser", parser_name(common_.parser)},
                 {"auth", common_.auth == AuthMode::token ? "token" : "password"}};
  r["connect"] = {{"attempted", connect_.attempted},
                  {"ready", connect_.ready},
                  {"seconds", round2(connect_.seconds())}};
  r["throughput"] = {{"sent_per_s", round2(per_second(totals.get(Stat::sent_in_window), window))},
                     {"acked_per_s", round2(per_second(totals.get(Stat::acked_in_window), window))},
                     {"delivered_per_s", round2(per_second(delivered, window))}};
  const auto undelivered =
      totals.get(Stat::acked_of_window) > totals.get(Stat::delivered_of_window)
          ? totals.get(Stat::acked_of_window) - totals.get(Stat::delivered_of_window)
          : 0;
  r["counts"] = {{"sent", totals.get(Stat::sent)},
                 {"acked", totals.get(Stat::acked)},
                 {"delivered", totals.get(Stat::delivered)},
                 {"send_errors", totals.get(Stat::send_errors)},
                 {"skipped", totals.get(Stat::skipped)},
                 {"sent_in_window", totals.get(Stat::sent_in_window)},
                 {"acked_of_window", totals.get(Stat::acked_of_window)},
                 {"delivered_of_window", totals.get(Stat::delivered_of_window)},
                 {"undelivered", undelivered},
                 {"duplicates", totals.get(Stat::duplicates)},
                 {"unexpected", totals.get(Stat::unexpected)},
                 {"drained", drained_},
                 {"drain_s", round2(drain_seconds_)}};
  r["latency_ms"] = {{"delivery", latency_json(totals.latency(Latency::delivery))},
                     {"ack", latency_json(totals.latency(Latency::ack))},
                     {"login", latency_json(totals.latency(Latency::login))}};
  r["errors"] = errors_json(totals);
  r["generator"] = generator_window_json(self_cpu_end_ - self_cpu_start_, window, delivered);
  r["server"] =
      server_window_json(common_.server_pid, server_start_, server_end_, window, delivered);
  return r;
}

std::string ChatScenario::summary(const Totals& totals) const {
  if (!fatal_.empty())
    return "chat FAILED: " + fatal_ + " errors=" + std::to_string(totals.error_count());
  const auto r = results(totals);
  const auto& t = r["throughput"];
  const auto& delivery = totals.latency(Latency::delivery);
  const auto& ack = totals.latency(Latency::ack);
  std::string line = fmt::format(
      "chat clients={} mode={} offered={} sent={:.0f}/s acked={:.0f}/s delivered={:.0f}/s "
      "delivery_p50={} p99={} p999={} ack_p50={} p99={} p999={} errors={} undelivered={} "
      "bench_cpu={:.1f}us/msg ({:.0f}%)",
      options_.clients, open_loop() ? "open" : fmt::format("closed(W={})", options_.window),
      open_loop() ? fmt::format("{:.0f}/s", options_.rate) : std::string("max"),
      t["sent_per_s"].get<double>(), t["acked_per_s"].get<double>(),
      t["delivered_per_s"].get<double>(), format_ms(delivery.percentile(0.5)),
      format_ms(delivery.percentile(0.99)), format_ms(delivery.percentile(0.999)),
      format_ms(ack.percentile(0.5)), format_ms(ack.percentile(0.99)),
      format_ms(ack.percentile(0.999)), totals.error_count(),
      r["counts"]["undelivered"].get<std::uint64_t>(),
      r["generator"]["cpu_us_per_msg"].get<double>(), r["generator"]["cpu_percent"].get<double>());
  line += server_window_summary(r["server"]);
  if (totals.get(Stat::skipped) > 0) line += fmt::format(" skipped={}", totals.get(Stat::skipped));
  if (!drained_) line += " (not drained)";
  return line;
}

bool ChatScenario::passed(const Totals& totals) const {
  return fatal_.empty() && totals.error_count() == 0 && totals.get(Stat::delivered_in_window) > 0 &&
         totals.get(Stat::acked_of_window) == totals.get(Stat::sent_in_window) &&
         totals.get(Stat::delivered_of_window) == totals.get(Stat::acked_of_window);
}

}  // namespace messenger::bench
