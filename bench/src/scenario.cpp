#include "scenario.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <random>

#include "log_in_all.h"
#include "proc_stats.h"

namespace messenger::bench {

std::int64_t seconds_to_ns(double seconds) {
  return static_cast<std::int64_t>(seconds * 1e9);
}

asio::awaitable<ConnectReport> connect_clients(Runtime& runtime, const CommonOptions& options,
                                               const std::vector<Account>& accounts,
                                               std::size_t count, ClientObserver* observer,
                                               std::vector<Peer>& peers) {
  // Setup's connections may still be closing: start from a quiet server.
  const std::int64_t settle_deadline = now_ns() + 5'000'000'000;
  while (WsConnection::live() > 0 && now_ns() < settle_deadline) co_await sleep_ns(5'000'000);

  // client_msg_id must not repeat across runs on the same server (it would be deduplicated):
  // the ids start with the send time, and two generators run at once differ in the nonce.
  const auto nonce = std::random_device{}();
  peers.clear();
  peers.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Account& account = accounts[i % accounts.size()];
    auto client =
        std::make_shared<Client>(runtime.client_executor(), options.target, options.parser,
                                 ClientMsgIds(static_cast<std::uint32_t>(i), nonce));
    client->set_observer(observer);
    client->set_tag(i);
    runtime.keep(client);
    peers[i] = Peer{client, &account, account.conversation_id, account.partner_id};
  }

  co_return co_await log_in_all(
      options, peers,
      [&options](Peer& peer) {
        return async_start(*peer.client, *peer.account, options.auth, asio::use_awaitable);
      },
      [](const Reply& reply) {
        return reply.code + (reply.code == "closed" ? " (" + reply.message + ")" : "");
      });
}

std::int64_t conversation_id_of(const Reply& reply) {
  if (!reply.ok) return 0;
  const auto conversation = reply.result.find("conversation");
  if (conversation == reply.result.end() || !conversation->is_object()) return 0;
  const auto id = conversation->find("id");
  return id != conversation->end() && id->is_number_integer() ? id->get<std::int64_t>() : 0;
}

asio::awaitable<void> close_clients(std::vector<Peer>& peers, double timeout_s) {
  co_await close_all(peers, timeout_s, &WsConnection::live);
}

ServerSample sample_server(int pid) {
  if (pid <= 0) return {};
  ServerSample sample;
  sample.cpu_ns = process_cpu_ns(pid);
  sample.rss_bytes = process_rss_bytes(pid);
  sample.storage_write_bytes = process_storage_write_bytes(pid);
  return sample;
}

namespace {
double ms(std::uint64_t ns) {
  return std::round(static_cast<double>(ns) / 1e3) / 1e3;
}
}  // namespace

double round2(double value) {
  return std::round(value * 100) / 100;
}

std::string top_error(const Totals& totals) {
  const std::pair<const std::string, std::uint64_t>* top = nullptr;
  for (const auto& entry : totals.errors) {
    if (top == nullptr || entry.second > top->second) top = &entry;
  }
  return top == nullptr ? std::string() : fmt::format(" ({} x{})", top->first, top->second);
}

nlohmann::json latency_json(const Histogram& h) {
  return {{"count", h.count()},
          {"min", ms(h.min())},
          {"mean", ms(static_cast<std::uint64_t>(h.mean()))},
          {"p50", ms(h.percentile(0.50))},
          {"p90", ms(h.percentile(0.90))},
          {"p99", ms(h.percentile(0.99))},
          {"p999", ms(h.percentile(0.999))},
          {"max", ms(h.max())}};
}

std::string format_ms(std::uint64_t ns) {
  const double value = static_cast<double>(ns) / 1e6;
  if (value < 10) return fmt::format("{:.3f}ms", value);
  if (value < 100) return fmt::format("{:.1f}ms", value);
  return fmt::format("{:.0f}ms", value);
}

std::string format_bytes(double bytes) {
  if (std::abs(bytes) >= 1024.0 * 1024.0) return fmt::format("{:.1f}MiB", bytes / 1024 / 1024);
  return fmt::format("{:.1f}KiB", bytes / 1024);
}

nlohmann::json errors_json(const Totals& totals) {
  nlohmann::json errors = nlohmann::json::object();
  for (const auto& [code, count] : totals.errors) errors[code] = count;
  return errors;
}

bool write_latency_log(std::ostream& out, const std::string& path,
                       const std::vector<Delivery>& deliveries) {
  out << "# step sent_ns latency_ns: every delivery of a message sent in a measurement window, in\n"
         "# send order; sent_ns is its scheduled send time on the generator's CLOCK_MONOTONIC\n";
  for (const Delivery& d : deliveries) {
    out << d.step + 1 << ' ' << d.sent_ns << ' ' << d.received_ns - d.sent_ns << '\n';
  }
  out.flush();
  if (!out) {
    std::cerr << "messenger-bench: cannot write " << path << '\n';
    return false;
  }
  return true;
}

bool write_json_file(const std::string& path, const nlohmann::json& results) {
  std::ofstream out(path);
  out << results.dump(2) << '\n';
  if (!out) {
    std::cerr << "messenger-bench: cannot write " << path << '\n';
    return false;
  }
  return true;
}

}  // namespace messenger::bench
