#pragma once

#include "events.h"
#include "messenger/client/session.h"
#include "outbox.h"
#include "session_core.h"
#include "sign_in.h"
#include "sync.h"
#include "typing.h"
#include "user_fetcher.h"

namespace messenger::client {

/// The parts of a Session, each in its own file: the shared state (session_core), sign-in,
/// sync, outbox, events, typing and user lookups. The Session's methods (session.cpp,
/// session_requests.cpp) only route to them.
struct Session::Impl {
  Impl(Session& session, const QString& profile_dir);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  /// Forgets the account in every part (sign-out, a new sign-in).
  void reset();
  void on_state(ConnectionState state);
  /// A conversation from a conv.* result: shown, its members' profiles fetched, caught up.
  void adopt(const protocol::ConversationDetails& details);
  /// A conv.* request whose result is the changed conversation (join, invite, set_topic).
  void conversation_request(protocol::RequestBody body, Callback<core::Ok> done);

  detail::SessionCore core;
  detail::UserFetcher users;
  detail::Typing typing;
  detail::Outbox outbox;
  detail::Sync sync;
  detail::Events events;
  detail::SignIn sign_in;
};

}  // namespace messenger::client
