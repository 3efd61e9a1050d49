#include "xmpp_scenario.h"

#include <chrono>

#include "log_in_all.h"
#include "proc_stats.h"

namespace messenger::bench {

asio::awaitable<ConnectReport> connect_xmpp_clients(Runtime& runtime, const CommonOptions& options,
                                                    const XmppTarget& target,
                                                    const std::vector<Account>& accounts,
                                                    std::size_t count, XmppObserver* observer,
                                                    std::vector<XmppPeer>& peers) {
  peers.clear();
  peers.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto client = std::make_shared<XmppClient>(runtime.client_executor(), target);
    client->set_observer(observer);
    client->set_tag(i);
    runtime.keep(client);
    peers[i].client = client;
    peers[i].account = &accounts[i % accounts.size()];
  }

  co_return co_await log_in_all(
      options, peers,
      [](XmppPeer& peer) {
        return async_xmpp_start(*peer.client, *peer.account, asio::use_awaitable);
      },
      [](const Reply& reply) {
        return reply.code + (reply.message.empty() ? "" : " (" + reply.message + ")");
      });
}

asio::awaitable<void> close_xmpp_clients(std::vector<XmppPeer>& peers, double timeout_s) {
  co_await close_all(peers, timeout_s, &XmppConnection::live);
}

asio::awaitable<SetupReport> register_xmpp_accounts(Runtime& runtime, const CommonOptions& options,
                                                    const XmppTarget& target,
                                                    const std::vector<Account>& accounts) {
  SetupReport report;
  report.users = accounts.size();
  const std::int64_t started = now_ns();
  co_await for_each_limited(
      accounts.size(), options.connect_concurrency, [&](std::size_t i) -> asio::awaitable<void> {
        auto client = std::make_shared<XmppClient>(runtime.client_executor(), target);
        runtime.keep(client);
        const Reply reply = co_await async_xmpp_register(*client, accounts[i], asio::use_awaitable);
        if (!reply.ok) {
          ++report.errors["register: " + reply.code +
                          (reply.message.empty() ? "" : " (" + reply.message + ")")];
        } else if (reply.message == "exists") {
          ++report.existed;
        } else {
          ++report.created;
        }
      });
  // The registration streams end by themselves; wait (bounded) so the run starts quiet.
  const std::int64_t deadline = now_ns() + 5'000'000'000;
  while (XmppConnection::live() > 0 && now_ns() < deadline) co_await sleep_ns(5'000'000);
  report.seconds = static_cast<double>(now_ns() - started) / 1e9;
  co_return report;
}

asio::awaitable<void> pace_sends(double rate, std::int64_t start, std::int64_t end,
                                 std::int64_t tick_us,
                                 const std::function<void(std::uint64_t, std::int64_t)>& send) {
  const double ns_per_message = 1e9 / rate;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t scheduled = 0;
  for (;;) {
    const std::int64_t now = now_ns();
    if (now >= end) break;
    const auto due =
        static_cast<std::uint64_t>(static_cast<double>(now - start) / ns_per_message) + 1;
    for (; scheduled < due; ++scheduled) {
      send(scheduled,
           start + static_cast<std::int64_t>(static_cast<double>(scheduled) * ns_per_message));
    }
    timer.expires_after(std::chrono::microseconds(tick_us));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace messenger::bench
