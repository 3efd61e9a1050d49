#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "asio.h"
#include "options.h"
#include "runtime.h"
#include "scenario.h"
#include "setup.h"
#include "xmpp_client.h"

namespace messenger::bench {

enum class Protocol : std::uint8_t { ws, xmpp };

/// Options of the XMPP client mode (`--protocol xmpp`), for comparing with XMPP servers.
struct XmppOptions {
  Protocol protocol = Protocol::ws;
  std::string host;  // 127.0.0.1:PORT of the server's c2s listener
  std::string domain = "localhost";
  std::string muc_domain;  // default conference.DOMAIN
  std::string room = "bench-room";
  // Open loop: a client with this many bytes not yet taken by the kernel skips its send (the
  // server stopped reading); XMPP has no per-message acknowledgement to count instead.
  std::size_t max_unwritten = std::size_t{1} << 20;

  [[nodiscard]] std::string room_jid() const {
    return room + "@" + (muc_domain.empty() ? "conference." + domain : muc_domain);
  }
};

/// One connected XMPP client and the JID it talks to.
struct XmppPeer {
  std::shared_ptr<XmppClient> client;
  const Account* account = nullptr;
  std::string partner_jid;  // chat: the partner's bare JID
};

/// Makes `count` clients (client i is account i), connects and logs them in with at most
/// options.connect_concurrency at once; latencies go to Latency::login, failures to the errors.
/// Clients still not ready after options.connect_timeout_s are aborted and those not started by
/// then are not started, so the call ends soon after the timeout (log_in_all).
asio::awaitable<ConnectReport> connect_xmpp_clients(Runtime& runtime, const CommonOptions& options,
                                                    const XmppTarget& target,
                                                    const std::vector<Account>& accounts,
                                                    std::size_t count, XmppObserver* observer,
                                                    std::vector<XmppPeer>& peers);

/// Ends every stream and waits (bounded) until the connections are closed, then aborts the rest.
asio::awaitable<void> close_xmpp_clients(std::vector<XmppPeer>& peers, double timeout_s);

/// Registers the accounts in-band (XEP-0077), an existing one is fine.
asio::awaitable<SetupReport> register_xmpp_accounts(Runtime& runtime, const CommonOptions& options,
                                                    const XmppTarget& target,
                                                    const std::vector<Account>& accounts);

/// Calls send(k, at) for message k = 0, 1, ... at its due time start + k / rate, from one timer
/// of period tick_us, until `end`. `at` is the scheduled time: a late generator shows as latency.
asio::awaitable<void> pace_sends(double rate, std::int64_t start, std::int64_t end,
                                 std::int64_t tick_us,
                                 const std::function<void(std::uint64_t, std::int64_t)>& send);

}  // namespace messenger::bench
