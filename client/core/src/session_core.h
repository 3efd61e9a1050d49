#pragma once

#include <QJsonObject>
#include <QString>
#include <QUrl>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "login_store.h"
#include "messenger/client/connection.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/local_cache.h"
#include "messenger/client/message_list_model.h"
#include "messenger/client/session.h"

namespace messenger::client::detail {

inline constexpr std::chrono::milliseconds kRequestTimeout{15'000};
inline constexpr int kPageSize = 50;  // messages per history page (the view's slices)

/// Whether a reply still concerns the account that asked. Connection calls every pending handler
/// (with unavailable) when it closes, also while the Session is being destroyed, and a reply may
/// come after a sign-out or a sign-in as someone else: such handlers must not touch anything.
class Guard {
 public:
  explicit Guard(const std::shared_ptr<int>& account) : account_(account), generation_(*account) {}
  explicit operator bool() const {
    const auto account = account_.lock();
    return account && *account == generation_;
  }

 private:
  std::weak_ptr<int> account_;
  int generation_;
};

/// The state of the signed-in account, shared by the parts of the Session (sign-in, sync,
/// outbox, events, requests), and the changes that keep the cache, the models and the signals
/// in step. Every change of a conversation row goes through here, so the sidebar, the cache and
/// the unread total never disagree.
struct SessionCore {
  SessionCore(Session& session, const QString& profile_dir);
  ~SessionCore();
  SessionCore(const SessionCore&) = delete;
  SessionCore& operator=(const SessionCore&) = delete;

  Session& q;
  LoginStore logins;
  std::unique_ptr<Connection> connection;
  std::unique_ptr<ConversationListModel> conversations;
  Backoff backoff;

  /// Bumped by every sign-in and sign-out (see Guard); reset when the Session goes away.
  std::shared_ptr<int> account = std::make_shared<int>(0);

  // ---- the account (valid between a sign-in and the sign-out) ----
  QUrl server;
  QString username;
  std::string token;  // in memory even when it is not kept on disk
  std::unique_ptr<LocalCache> cache;
  protocol::UserView me;
  std::unordered_map<core::UserId, protocol::UserView> users;
  QJsonObject settings;
  bool settings_dirty = false;  // changed here but not yet stored on the server
  std::unordered_map<core::ConversationId, MessageListModel*> models;  // children of q
  bool signed_in = false;                                              // signedIn() was emitted
  bool authenticated = false;       // the current socket is logged in
  bool ever_authenticated = false;  // some socket of this sign-in was logged in
  bool away = false;
  /// Read markers set while offline, sent after the next conv.list.
  std::unordered_map<core::ConversationId, core::Seq> pending_reads;
  /// Asks the sync for the changes of one conversation (a gap in the revisions).
  std::function<void(core::ConversationId)> catch_up;
  /// Fetches the users among these that are not known yet (UserFetcher::want).
  std::function<void(const std::vector<core::UserId>&)> want_users;

  [[nodiscard]] Guard guard() const { return Guard(account); }

  /// Sends a request and decodes its result as T. The handler is not called when the account
  /// changed meanwhile (see Guard).
  template <typename T, typename Handler>
  void call(protocol::RequestBody body, Handler handler,
            std::chrono::milliseconds timeout = kRequestTimeout) {
    connection->request(
        std::move(body),
        [guard = guard(),
         handler = std::move(handler)](core::Result<protocol::ServerFrame> frame) mutable {
          if (!guard) return;
          if (!frame.ok()) {
            handler(core::Result<T>(frame.error()));
            return;
          }
          handler(frame.value().template result_as<T>());
        },
        timeout);
  }

  /// Calls `done` with `error` from the event loop (a callback never runs inside the call that
  /// passed it).
  template <typename T>
  void fail_later(const std::function<void(core::Result<T>)>& done, core::Error error) const {
    if (!done) return;
    QMetaObject::invokeMethod(
        &q, [done, error = std::move(error)] { done(core::Result<T>(error)); },
        Qt::QueuedConnection);
  }

  // ---- the account's lifetime ----
  /// Opens the cache of (server, username).
  core::Status open_cache();
  /// Fills users, me, settings and the conversation list from the cache (before the server
  /// answers).
  void load_from_cache();
  /// Forgets the account in memory: closes the cache, empties the models (the conversation list
  /// stays the same object), deletes the message models, invalidates pending replies.
  void reset_account();
  void set_me(const protocol::UserView& user);

  // ---- state for the widgets ----
  [[nodiscard]] ConnectionState state() const;
  /// Emits connectionStateChanged when state() differs from the last one emitted.
  void update_state();

  // ---- conversations ----
  [[nodiscard]] const ConversationRow* row(core::ConversationId id) const {
    return conversations->find(id);
  }
  [[nodiscard]] ConversationRow make_row(protocol::ConversationSummary summary) const;
  /// After conv.list: replaces every row; conversations that are gone leave the cache with
  /// their messages.
  void replace_conversations(std::vector<protocol::ConversationSummary> summaries);
  /// Adds or replaces one conversation (model, cache, conversationChanged, unread total).
  void upsert_conversation(protocol::ConversationSummary summary);
  /// A conversation from a conv.* result or event: its details replace the known ones, while
  /// the last message, unread count and read marker stay (new ones start from the cache).
  void upsert_details(const protocol::ConversationDetails& details);
  void remove_conversation(core::ConversationId id);
  /// Recomputes titles, previews, presence and muting of every row (users or settings changed).
  void refresh_rows();
  /// Sets my read marker and the unread count that follows from it.
  void set_read(core::ConversationId id, core::Seq seq);
  void update_unread_total();
  [[nodiscard]] std::int64_t unread_total() const;

  // ---- users ----
  void save_users(const std::vector<protocol::UserView>& list);
  [[nodiscard]] QString display_name(core::UserId id) const;
  [[nodiscard]] std::vector<core::UserId> member_ids() const;

  // ---- messages ----
  /// Stores messages (new or changed, from any source) in the cache, applies them to the open
  /// model and to the conversation row: a message newer than the row's last one becomes it and,
  /// when someone else sent it after my read marker, counts as unread. Each message counts once
  /// whether it comes from an event, a sync or a history page. Unknown senders are fetched.
  void apply_messages(core::ConversationId id, const std::vector<core::Message>& messages);
  /// Moves the conversation's synced revision on when `rev` follows it directly. False when a
  /// revision is missing in between (a gap: the caller syncs the conversation).
  bool advance_synced_rev(core::ConversationId id, core::Rev rev);
  [[nodiscard]] MessageListModel* model(core::ConversationId id) const;
  /// Shows the conversation's outbox entries in its open model.
  void show_pending(core::ConversationId id);
  /// Fills the open model with the newest cached page.
  void reload_model(core::ConversationId id);

  // ---- settings ----
  [[nodiscard]] bool is_muted(core::ConversationId id) const;
  /// Takes a settings document (from the server or from set_settings) and applies it.
  void apply_settings(const QJsonObject& document);

 private:
  std::int64_t last_unread_total_ = 0;
  ConnectionState last_state_ = ConnectionState::offline;
};

/// The run of consecutive seqs that ends right below `before` (or at the newest message when
/// `before` is invalid). The cache holds one run from the newest message down, but an edit or
/// delete of an older message is stored too and may sit alone below a gap.
std::vector<core::Message> contiguous_tail(std::vector<core::Message> page, core::Seq before);

/// The compact JSON text of a settings document, for settings.set and the cache.
std::string to_json_text(const QJsonObject& object);
/// A settings document from its JSON text; an empty object when the text is not an object.
QJsonObject settings_from_json(const std::string& text);

}  // namespace messenger::client::detail
