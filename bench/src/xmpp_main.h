#pragma once

#include "options.h"
#include "xmpp_scenario.h"

namespace CLI {
class App;
}

namespace messenger::bench {

/// --protocol, --xmpp-host, --xmpp-domain, --xmpp-muc and --room on a subcommand.
void add_xmpp_options(CLI::App& command, XmppOptions& xmpp);

enum class XmppCommand : std::uint8_t { setup, chat, connect, fanout };

/// Runs one command against an XMPP server (`--protocol xmpp`): prints the summary, writes
/// --json, returns the exit status (1 on failure, or with --check unless the run was clean).
int run_xmpp(XmppCommand command, const CommonOptions& common, const ChatOptions& chat,
             const FanoutOptions& fanout, const ConnectOptions& connect, const XmppOptions& xmpp);

}  // namespace messenger::bench
