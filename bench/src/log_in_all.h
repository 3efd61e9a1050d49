#pragma once

// What the scenarios of both protocols do with their clients as a whole: log them all in under
// one timeout, and close them all. Templates, because the two protocols' peers and clients are
// different types with the same members (client->executor(), ready(), abort(), close()).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "asio.h"
#include "client.h"
#include "figures.h"
#include "options.h"
#include "proc_stats.h"
#include "runtime.h"
#include "scenario.h"

namespace messenger::bench {

/// Logs in the client of every peer (`start(peer)` returns its login's Reply), at most
/// options.connect_concurrency at once. Login latencies go to Latency::login, failures to the
/// errors as "login: " + describe(reply), or as "login: not done within --connect-timeout" when
/// the reply came after the timeout. Clients still not ready after options.connect_timeout_s are
/// aborted and those not started by then are not started ("login: not started within
/// --connect-timeout"), so the call ends soon after the timeout.
template <typename PeerT, typename Start, typename Describe>
asio::awaitable<ConnectReport> log_in_all(const CommonOptions& options, std::vector<PeerT>& peers,
                                          Start start, Describe describe) {
  ConnectReport report;
  report.attempted = peers.size();
  auto finished = std::make_shared<bool>(false);
  asio::steady_timer watchdog(co_await asio::this_coro::executor);
  watchdog.expires_after(std::chrono::nanoseconds(seconds_to_ns(options.connect_timeout_s)));
  watchdog.async_wait([&peers, finished](boost::system::error_code ec) {
    if (ec || *finished) return;
    for (auto& peer : peers) {
      asio::dispatch(peer.client->executor(), [client = peer.client] {
        if (!client->ready()) client->abort();
      });
    }
  });

  report.started_ns = now_ns();
  const std::int64_t deadline = report.started_ns + seconds_to_ns(options.connect_timeout_s);
  co_await for_each_limited(
      peers.size(), options.connect_concurrency, [&](std::size_t i) -> asio::awaitable<void> {
        if (now_ns() >= deadline) {
          // The watchdog has aborted (or is about to abort) the rest: starting them would only
          // make the run outlive its timeout.
          Recorder::local().error("login: not started within --connect-timeout");
          co_return;
        }
        const std::int64_t begin = now_ns();
        const Reply reply = co_await start(peers[i]);
        Recorder& recorder = Recorder::local();
        if (reply.ok) {
          ++report.ready;
          recorder.record(Latency::login, now_ns() - begin);
        } else if (now_ns() >= deadline) {
          recorder.error("login: not done within --connect-timeout");
        } else {
          recorder.error("login: " + describe(reply));
        }
      });
  report.finished_ns = now_ns();
  *finished = true;
  watchdog.cancel();
  co_return report;
}

/// Closes every peer's client and waits until `live()` connections are left, at most
/// `timeout_s`; then aborts those still open.
template <typename PeerT>
asio::awaitable<void> close_all(std::vector<PeerT>& peers, double timeout_s,
                                std::size_t (*live)()) {
  for (auto& peer : peers) {
    asio::dispatch(peer.client->executor(), [client = peer.client] { client->close(); });
  }
  const auto deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  while (live() > 0 && now_ns() < deadline) co_await sleep_ns(10'000'000);
  if (live() > 0) {
    for (auto& peer : peers) {
      asio::dispatch(peer.client->executor(), [client = peer.client] { client->abort(); });
    }
  }
}

/// A connect run's burst and hold, for either protocol: samples the server (`server_pid`) before
/// the burst of logins (`connect()`), right after it and after `hold_s` seconds idle, counts the
/// connections still open (`live()`), then closes them (`close()`).
template <typename Connect, typename Close>
asio::awaitable<LoginFigures> measure_logins(int server_pid, double hold_s, std::size_t (*live)(),
                                             Connect connect, Close close) {
  LoginFigures figures;
  figures.before = sample_server(server_pid);
  const std::int64_t cpu_before = self_cpu_ns();
  figures.connect = co_await connect();
  figures.self_cpu_burst_ns = self_cpu_ns() - cpu_before;
  figures.after_burst = sample_server(server_pid);
  co_await sleep_ns(static_cast<std::int64_t>(hold_s * 1e9));
  figures.idle = sample_server(server_pid);
  figures.still_open = live();
  co_await close();
  co_return figures;
}

}  // namespace messenger::bench
