#pragma once

#include <functional>
#include <unordered_map>
#include <vector>

#include "messenger/core/error.h"
#include "messenger/core/ids.h"

namespace messenger::client::detail {

struct SessionCore;
class Outbox;
class UserFetcher;

/// Keeps the cache and the models in step with the server (docs/protocol.md, "Delivery
/// guarantees"). After each login on a new socket: conv.list, the members' profiles (all of
/// them: presence changed meanwhile), the settings, then every conversation that is behind
/// (msg.sync after the cached revision while has_more; a conversation the cache has never seen gets
/// its newest history page instead), then the outbox, then synced(). A gap in the revisions of live
/// events syncs that one conversation. Also loads older history pages for the message view.
class Sync {
 public:
  Sync(SessionCore& core, Outbox& outbox, UserFetcher& users);

  /// A socket was logged in: catch up on everything.
  void start();
  /// The socket is gone: an unfinished sync is abandoned (the next start() begins again).
  void stop();
  /// Signed out: also forgets the conversations being synced.
  void reset();

  /// Brings one conversation up to date; `force` syncs it even when its row says it is (a
  /// gap). At most one catch-up per conversation runs; a request during it runs it once more
  /// afterwards. `done` is called when it is up to date or cannot be (offline, not a member).
  void catch_up(core::ConversationId id, bool force, std::function<void()> done = {});
  /// The message view wants the page before `before` (invalid: the newest page).
  void load_older(core::ConversationId id, core::Seq before);

 private:
  struct Running {
    int run = 0;
    bool again = false;
    std::vector<std::function<void()>> waiters;
  };

  void on_list_failed(const core::Error& error);
  void send_pending_reads();
  void sync_settings(std::function<void()> next);
  void catch_up_all(std::vector<core::ConversationId> ids, std::size_t from, int epoch);
  [[nodiscard]] bool behind(core::ConversationId id) const;
  void step(core::ConversationId id, int run, bool force);
  void newest_page(core::ConversationId id, int run);
  void sync_page(core::ConversationId id, int run, core::Rev after);
  void page_failed(core::ConversationId id, int run, const core::Error& error);
  void finish(core::ConversationId id, int run);

  SessionCore& core_;
  Outbox& outbox_;
  UserFetcher& users_;
  int epoch_ = 0;  // one per start(): replies of an abandoned sync are ignored
  int next_run_ = 0;
  std::unordered_map<core::ConversationId, Running> running_;
};

}  // namespace messenger::client::detail
