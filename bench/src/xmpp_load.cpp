#include "xmpp_load.h"

#include <fmt/format.h>

#include "figures.h"
#include "proc_stats.h"
#include "steps.h"

namespace messenger::bench {
namespace {

/// The bare JID of a full JID (or the room of an occupant JID).
std::string_view bare(std::string_view jid) {
  return jid.substr(0, jid.find('/'));
}

}  // namespace

XmppLoadScenario::XmppLoadScenario(Runtime& runtime, const CommonOptions& common,
                                   const ChatOptions& options, const FanoutOptions& fanout,
                                   const XmppOptions& xmpp, const XmppTarget& target, Shape shape)
    : runtime_(runtime),
      common_(common),
      options_(options),
      xmpp_(xmpp),
      target_(target),
      shape_(shape),
      clients_(shape == Shape::chat ? options.clients : fanout.members),
      senders_(shape == Shape::chat ? clients_ : fanout.senders),
      room_jid_(xmpp.room_jid()) {}

asio::awaitable<void> XmppLoadScenario::run(const std::vector<Account>& accounts) {
  if (!options_.rates.empty()) {
    fatal_ =
        "--protocol xmpp runs one --rate, not --rates steps (bench/compare.sh steps "
        "the rates with one run each)";
    co_return;
  }
  if (options_.rate <= 0) {
    fatal_ = "--protocol xmpp needs --rate (open loop): XMPP has no per-message ack to wait for";
    co_return;
  }
  if (clients_ < 2 || (shape_ == Shape::chat && clients_ % 2 != 0)) {
    fatal_ = shape_ == Shape::chat ? "--clients must be even and at least 2"
                                   : "--members must be at least 2";
    co_return;
  }
  if (senders_ < 1 || senders_ > clients_) {
    fatal_ = "--senders must be between 1 and --members";
    co_return;
  }
  if (accounts.size() < clients_) {
    fatal_ = fmt::format("{} clients need {} accounts, there are {}", clients_, clients_,
                         accounts.size());
    co_return;
  }
  connect_ =
      co_await connect_xmpp_clients(runtime_, common_, target_, accounts, clients_, this, peers_);
  if (connect_.ready < connect_.attempted) {
    fatal_ = fmt::format("only {} of {} clients logged in", connect_.ready, connect_.attempted);
    co_await close_xmpp_clients(peers_, 5);
    co_return;
  }
  for (std::size_t i = 0; i < clients_; ++i) {
    if (shape_ == Shape::chat) {
      peers_[i].partner_jid = accounts[i ^ 1U].username + "@" + target_.domain;
    }
  }
  if (shape_ == Shape::fanout && !co_await join_room()) {
    co_await close_xmpp_clients(peers_, 5);
    co_return;
  }

  start_ns_ = now_ns();
  window_start_ = start_ns_ + seconds_to_ns(options_.warmup_s);
  window_end_ = window_start_ + seconds_to_ns(options_.duration_s);
  asio::co_spawn(co_await asio::this_coro::executor,
                 pace_sends(options_.rate, start_ns_, window_end_, options_.tick_us,
                            [this](std::uint64_t k, std::int64_t at) {
                              XmppPeer& peer = peers_[k % senders_];
                              asio::dispatch(peer.client->executor(),
                                             [this, &peer, at] { send(peer, at); });
                            }),
                 asio::detached);

  co_await sleep_until_ns(window_start_);
  self_cpu_start_ = self_cpu_ns();
  server_start_ = sample_server(common_.server_pid);
  co_await sleep_until_ns(window_end_);
  self_cpu_end_ = self_cpu_ns();
  server_end_ = sample_server(common_.server_pid);

  co_await drain();
  co_await close_xmpp_clients(peers_, 5);
}

asio::awaitable<bool> XmppLoadScenario::join_room() {
  // The first member creates the room and accepts its default configuration; the others join
  // once it exists. Every join is announced to every occupant (N^2 presences): not measured.
  const std::int64_t begin = now_ns();
  const auto join = [this](std::size_t i) {
    const std::string nick = peers_[i].account->username;
    return async_xmpp_join(*peers_[i].client, room_jid_, nick, i == 0, asio::use_awaitable);
  };
  const Reply created = co_await join(0);
  if (!created.ok) {
    fatal_ = "creating the room " + room_jid_ + " failed: " + created.code;
    co_return false;
  }
  std::size_t failed = 0;
  std::string first_failure;
  co_await for_each_limited(clients_ - 1, common_.connect_concurrency,
                            [&](std::size_t i) -> asio::awaitable<void> {
                              const Reply reply = co_await join(i + 1);
                              if (!reply.ok && failed++ == 0) first_failure = reply.code;
                            });
  join_seconds_ = static_cast<double>(now_ns() - begin) / 1e9;
  if (failed > 0) {
    fatal_ = fmt::format("{} of {} members could not join {}: {}", failed, clients_, room_jid_,
                         first_failure);
    co_return false;
  }
  co_return true;
}

void XmppLoadScenario::send(XmppPeer& peer, std::int64_t sent_ns) {
  Recorder& recorder = Recorder::local();
  XmppClient& client = *peer.client;
  if (!client.ready() || client.unwritten() >= xmpp_.max_unwritten) {
    recorder.add(Stat::skipped);
    return;
  }
  if (shape_ == Shape::chat) {
    client.send_chat(peer.partner_jid, sent_ns, options_.text_bytes);
  } else {
    client.send_groupchat(room_jid_, sent_ns, options_.text_bytes);
  }
  recorder.add(Stat::sent);
  if (in_window(sent_ns)) {
    recorder.add(Stat::sent_in_window);
    recorder.record(Latency::send_lag, now_ns() - sent_ns);
  }
}

void XmppLoadScenario::on_message(XmppClient& client, const StanzaInfo& message, std::int64_t now) {
  Recorder& recorder = Recorder::local();
  const XmppPeer& peer = peers_[client.tag()];
  bool echo = false;
  if (shape_ == Shape::chat) {
    if (message.type != "chat" || bare(message.from) != peer.partner_jid) {
      recorder.add(Stat::unexpected);
      recorder.error(fmt::format(
          "a message from an unexpected sender or of an unexpected type (type={}{}{})",
          message.type, message.condition.empty() ? "" : ", condition=", message.condition));
      return;
    }
  } else {
    if (message.type != "groupchat" || bare(message.from) != room_jid_) {
      recorder.add(Stat::unexpected);
      // The type and condition name what the server meant (e.g. an error bounced by the room).
      recorder.error(
          fmt::format("a message from outside the room (type={}{}{})", message.type,
                      message.condition.empty() ? "" : ", condition=", message.condition));
      return;
    }
    const auto slash = message.from.find('/');
    echo =
        slash != std::string_view::npos && message.from.substr(slash + 1) == peer.account->username;
  }
  if (echo) {
    recorder.add(Stat::acked);
    if (in_window(now)) recorder.add(Stat::acked_in_window);
    if (in_window(message.sent_ns)) {
      recorder.add(Stat::acked_of_window);
      recorder.record(Latency::ack, now - message.sent_ns);
    }
    return;
  }
  recorder.add(Stat::delivered);
  if (in_window(now)) recorder.add(Stat::delivered_in_window);
  if (in_window(message.sent_ns)) {
    recorder.add(Stat::delivered_of_window);
    recorder.record(Latency::delivery, now - message.sent_ns);
  }
}

void XmppLoadScenario::on_problem(XmppClient& /*client*/, std::string_view code) {
  Recorder& recorder = Recorder::local();
  recorder.add(Stat::problems);
  recorder.error(code);
}

asio::awaitable<void> XmppLoadScenario::drain() {
  const std::int64_t begin = now_ns();
  const std::int64_t deadline = begin + seconds_to_ns(options_.drain_s);
  for (;;) {
    const std::uint64_t sent = runtime_.sum(Stat::sent);
    const bool acked = shape_ == Shape::chat || runtime_.sum(Stat::acked) >= sent;
    if (acked && runtime_.sum(Stat::delivered) >= sent * receivers()) {
      drained_ = true;
      break;
    }
    if (now_ns() >= deadline) break;
    co_await sleep_ns(2'000'000);
  }
  drain_seconds_ = static_cast<double>(now_ns() - begin) / 1e9;
}

nlohmann::json XmppLoadScenario::results(const Totals& totals) const {
  const std::int64_t window = window_end_ - window_start_;
  const auto delivered = totals.get(Stat::delivered_in_window);
  const bool fanout = shape_ == Shape::fanout;
  nlohmann::json r;
  r["scenario"] = fanout ? "fanout" : "chat";
  r["ok"] = passed(totals);
  if (!fatal_.empty()) r["fatal"] = fatal_;
  r["config"] = {{"protocol", "xmpp"},
                 {"host", xmpp_.host},
                 {"domain", target_.domain},
                 {"clients", clients_},
                 {"mode", "open"},
                 {"offered_rate", options_.rate},
                 {"duration_s", options_.duration_s},
                 {"warmup_s", options_.warmup_s},
                 {"text_bytes", options_.text_bytes},
                 {"threads", runtime_.threads()},
                 {"auth", "SASL PLAIN"}};
  if (fanout) {
    r["config"]["room"] = room_jid_;
    r["config"]["members"] = clients_;
    r["config"]["senders"] = senders_;
  }
  r["connect"] = {{"attempted", connect_.attempted},
                  {"ready", connect_.ready},
                  {"seconds", round2(connect_.seconds())}};
  if (fanout) r["connect"]["join_seconds"] = round2(join_seconds_);
  const nlohmann::json acked_per_s =
      fanout ? nlohmann::json(round2(per_second(totals.get(Stat::acked_in_window), window)))
             : nlohmann::json(nullptr);
  r["throughput"] = {{"sent_per_s", round2(per_second(totals.get(Stat::sent_in_window), window))},
                     {"acked_per_s", acked_per_s},
                     {"delivered_per_s", round2(per_second(delivered, window))}};
  const auto expected = expected_of_window(totals);
  const auto of_window = totals.get(Stat::delivered_of_window);
  r["counts"] = {
      {"sent", totals.get(Stat::sent)},
      {"acked", fanout ? nlohmann::json(totals.get(Stat::acked)) : nullptr},
      {"delivered", totals.get(Stat::delivered)},
      {"skipped", totals.get(Stat::skipped)},
      {"sent_in_window", totals.get(Stat::sent_in_window)},
      {"acked_of_window", fanout ? nlohmann::json(totals.get(Stat::acked_of_window)) : nullptr},
      {"expected_of_window", expected},
      {"delivered_of_window", of_window},
      {"undelivered", expected > of_window ? expected - of_window : 0},
      {"unexpected", totals.get(Stat::unexpected)},
      {"drained", drained_},
      {"drain_s", round2(drain_seconds_)}};
  r["latency_ms"] = {{"delivery", latency_json(totals.latency(Latency::delivery))},
                     {"ack", fanout ? latency_json(totals.latency(Latency::ack))
                                    : nlohmann::json("n/a: no per-message ack in XMPP")},
                     {"login", latency_json(totals.latency(Latency::login))},
                     {"send_lag", latency_json(totals.latency(Latency::send_lag))}};
  r["errors"] = errors_json(totals);
  r["generator"] = window_cpu_json(self_cpu_end_ - self_cpu_start_, window, delivered, receivers());
  r["server"] = server_window_json(common_.server_pid, server_start_, server_end_, window,
                                   delivered, receivers());
  return r;
}

std::string XmppLoadScenario::summary(const Totals& totals) const {
  const char* name = shape_ == Shape::fanout ? "fanout" : "chat";
  if (!fatal_.empty()) {
    return fmt::format("{} FAILED: {} errors={}{}", name, fatal_, totals.error_count(),
                       top_error(totals));
  }
  const auto r = results(totals);
  const auto& t = r["throughput"];
  const auto& delivery = totals.latency(Latency::delivery);
  const auto& ack = totals.latency(Latency::ack);
  const std::string acks = shape_ == Shape::fanout
                               ? fmt::format("acked={:.0f}/s", t["acked_per_s"].get<double>())
                               : std::string("acked=n/a");
  const std::string ack_latency =
      shape_ == Shape::fanout
          ? fmt::format("ack_p50={} p99={} p999={}", format_ms(ack.percentile(0.5)),
                        format_ms(ack.percentile(0.99)), format_ms(ack.percentile(0.999)))
          : std::string("ack=n/a");
  // Per message for 1:1 chat, per delivery (a receipt at one member) for the room.
  const bool per_message = shape_ == Shape::chat;
  const char* cpu_key = per_message ? "cpu_us_per_msg" : "cpu_us_per_delivery";
  const std::string who = per_message ? fmt::format("clients={}", clients_)
                                      : fmt::format("members={} senders={}", clients_, senders_);
  std::string line = fmt::format(
      "{} xmpp {} mode=open offered={:.0f}/s sent={:.0f}/s {} delivered={:.0f}/s "
      "delivery_p50={} p99={} p999={} {} errors={} undelivered={} "
      "bench_cpu={:.1f}us/{} ({:.0f}%)",
      name, who, options_.rate, t["sent_per_s"].get<double>(), acks,
      t["delivered_per_s"].get<double>(), format_ms(delivery.percentile(0.5)),
      format_ms(delivery.percentile(0.99)), format_ms(delivery.percentile(0.999)), ack_latency,
      totals.error_count(), r["counts"]["undelivered"].get<std::uint64_t>(),
      r["generator"][cpu_key].get<double>(), per_message ? "msg" : "delivery",
      r["generator"]["cpu_percent"].get<double>());
  // The generator's own lateness, which the latencies above include (as over WebSocket).
  line += p50_p99_summary("send_lag", r["latency_ms"]["send_lag"]);
  line += server_window_summary(r["server"], per_message);
  if (totals.get(Stat::skipped) > 0) line += fmt::format(" skipped={}", totals.get(Stat::skipped));
  if (!drained_) line += " (not drained)";
  return line;
}

bool XmppLoadScenario::passed(const Totals& totals) const {
  const bool acked = shape_ == Shape::chat ||
                     totals.get(Stat::acked_of_window) == totals.get(Stat::sent_in_window);
  return fatal_.empty() && totals.error_count() == 0 && totals.get(Stat::delivered_in_window) > 0 &&
         acked && totals.get(Stat::delivered_of_window) == expected_of_window(totals);
}

}  // namespace messenger::bench
