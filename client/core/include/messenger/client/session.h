#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "messenger/client/connection.h"
#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"

namespace messenger::client {

class ConversationListModel;
class MessageListModel;

/// Why signing in did not work, so the sign-in screen can say what to do.
enum class SignInProblem {
  unreachable,            // no connection to the address (refused, no route, name unknown)
  invalid_credentials,    // wrong username or password
  account_disabled,       // disabled by an administrator
  throttled,              // too many failed attempts; wait
  incompatible_server,    // the server does not speak this client's protocol version
  certificate_untrusted,  // wss:// with a certificate the system does not know: ask the user
  certificate_changed,    // the pinned certificate changed: warn, refuse unless accepted
  token_rejected,         // the kept login expired or was revoked: sign in with a password
  other,
};

struct SignInRequest {
  QUrl server;  // ws://host:port/ws or wss://host:port/ws
  QString username;
  QString password;
  bool keep_signed_in = false;  // keep the session token (never the password) on this device
};

/// A login kept by "keep me signed in" (stored in the profile folder).
struct SavedLogin {
  QUrl server;
  QString username;
};

/// The signed-in user's view of the server, for the widgets: signs in, keeps a Connection, keeps
/// the local cache (messages, drafts, outbox) in step with the server by seq and revision, owns
/// the models. Widgets call these methods and listen to the signals and models; they never touch
/// the network. Every callback and signal runs on the GUI thread.
class Session : public QObject {
  Q_OBJECT

 public:
  template <typename T>
  using Callback = std::function<void(core::Result<T>)>;

  /// `profile_dir`: this device's client data: one cache file per account and server, the kept
  /// login, pinned certificates. Created if missing.
  explicit Session(const QString& profile_dir, QObject* parent = nullptr);
  ~Session() override;

  // ---- signing in ----
  /// Connects and logs in with a password. Ends in signedIn() or signInFailed().
  void sign_in(const SignInRequest& request);
  /// The login kept from an earlier "keep me signed in", if any.
  [[nodiscard]] std::optional<SavedLogin> saved_login() const;
  /// Shows the kept login's cached data at once (the models fill from the cache and signedIn()
  /// is emitted before the server answers), then resumes with the kept token in the background.
  /// False when there is no kept login. A rejected token ends in signInFailed(token_rejected).
  bool resume_saved();
  /// Trusts (pins) this certificate fingerprint for the current server and retries the
  /// sign-in that was refused with certificate_untrusted / certificate_changed.
  void trust_certificate(const QString& sha256_fingerprint);
  /// Logs out on the server (if connected), forgets the kept login, closes the connection.
  void sign_out();

  [[nodiscard]] bool signed_in() const;
  /// `ready` once the socket is logged in (not merely connected): requests may be sent.
  [[nodiscard]] ConnectionState connection_state() const;
  /// The signed-in user (valid after signedIn()).
  [[nodiscard]] const protocol::UserView& me() const;
  [[nodiscard]] QUrl server() const;

  // ---- data ----
  /// All my conversations, most recent activity first.
  [[nodiscard]] ConversationListModel* conversations() const;
  /// The messages of one conversation: created on first use (filled from the cache, then the
  /// server), kept until the session ends.
  MessageListModel* messages(core::ConversationId id);
  [[nodiscard]] std::optional<protocol::ConversationSummary> conversation(
      core::ConversationId id) const;
  /// A user known from conversations, events or searches. Nothing for a user not known yet,
  /// who is then fetched as by fetch_user() (unless the server said there is no such user):
  /// userChanged(id) follows when the profile arrives.
  [[nodiscard]] std::optional<protocol::UserView> user(core::UserId id) const;
  /// The user's display name, or their username, or "User <id>" while unknown (and fetched,
  /// as by user()).
  [[nodiscard]] QString display_name(core::UserId id) const;
  /// Asks the server for a user's profile, also when known (a profile card wants it fresh);
  /// userChanged(id) follows when it arrives, and the conversation titles, previews and sender
  /// names that show this user are updated. Lookups of one turn of the event loop share
  /// user.get requests (each at most min(max_ids_per_request, 1000) ids), an id already asked
  /// for is not asked again until answered, and an id the server does not know gets no signal.
  /// While offline the ids wait for the next connection.
  void fetch_user(core::UserId id);
  /// The name to show for a conversation: its name, or for a direct one the other person's.
  [[nodiscard]] QString title(core::ConversationId id) const;
  /// Who is typing in a conversation right now (an indicator expires after a few seconds).
  [[nodiscard]] std::vector<core::UserId> typing_users(core::ConversationId id) const;
  /// Unread messages over all conversations that are not muted.
  [[nodiscard]] std::int64_t unread_total() const;

  // ---- messages ----
  /// Puts a message in the outbox (it survives a restart) and sends it when connected, exactly
  /// once: a resend after a lost connection uses the same client_msg_id. Returns that id.
  QString send_message(core::ConversationId id, const QString& text);
  /// Sends a message that failed (shown as failed) again.
  void retry_message(const QString& client_msg_id);
  /// Deletes a message that failed (shown as failed) without sending it: it leaves the outbox
  /// (for good, also after a restart) and the open message view. No effect for an unknown id
  /// or a message that is waiting or being sent (not failed).
  void discard_message(const QString& client_msg_id);
  void edit_message(core::ConversationId id, core::Seq seq, const QString& text,
                    Callback<core::Message> done = {});
  void delete_message(core::ConversationId id, core::Seq seq, Callback<core::Message> done = {});
  /// Marks the conversation read up to its newest message (my other devices follow).
  void mark_read(core::ConversationId id);
  /// Tells the others I am typing; throttled here to one notice per few seconds.
  void notify_typing(core::ConversationId id);
  /// The unsent text of a conversation, kept in the cache (survives a restart).
  void set_draft(core::ConversationId id, const QString& text);
  [[nodiscard]] QString draft(core::ConversationId id) const;

  // ---- conversations and people ----
  void open_direct(core::UserId user, Callback<core::ConversationId> done);
  /// kind: group (invite only) or channel (public).
  void create_conversation(core::ConversationKind kind, const QString& name, const QString& topic,
                           const std::vector<core::UserId>& members,
                           Callback<core::ConversationId> done);
  void browse_channels(const QString& query, Callback<std::vector<protocol::ChannelInfo>> done);
  void join(core::ConversationId id, Callback<core::Ok> done);
  void invite(core::ConversationId id, const std::vector<core::UserId>& users,
              Callback<core::Ok> done);
  void leave(core::ConversationId id, Callback<core::Ok> done);
  void set_topic(core::ConversationId id, const QString& topic, Callback<core::Ok> done);
  /// The employee directory: name, username, department or title contains `query`.
  void search_directory(const QString& query, Callback<std::vector<protocol::UserView>> done);

  // ---- me ----
  /// Away (true) or online (false). The desktop sets away after idle time.
  void set_away(bool away);
  void set_status_text(const QString& text, Callback<core::Ok> done = {});
  /// The per-user settings document kept on the server (notifications, theme, font size, start
  /// minimized, muted conversations), so it follows the user to another PC.
  [[nodiscard]] QJsonObject settings() const;
  /// Replaces the settings document: applied here at once (settingsChanged) and stored on the
  /// server. `done` (always from the event loop): Ok once the server stored it; too_large at
  /// once, without applying it, when its compact JSON exceeds limits().max_settings_bytes; the
  /// server's error when it refused it (e.g. too_deep), and the server's document is then
  /// applied again; unavailable when not signed in, or when not connected (or the connection
  /// was lost before the reply): then the document stays applied and the next sync stores it.
  void set_settings(const QJsonObject& settings, Callback<core::Ok> done = {});
  [[nodiscard]] bool is_muted(core::ConversationId id) const;
  void set_muted(core::ConversationId id, bool muted);

  /// The server's limits (sizes of texts, names, settings, ids per request, ...) from the hello
  /// of the current connection, or of the last one after it dropped; the protocol's defaults
  /// before any connection.
  [[nodiscard]] const protocol::Limits& limits() const;

  /// For tests: the Connection in use.
  [[nodiscard]] Connection& connection() const;
  /// For tests: how soon to reconnect after the socket drops (default Backoff{}); takes effect
  /// at the next sign_in() / resume_saved() / trust_certificate().
  void set_reconnect_backoff(Backoff backoff);

 signals:
  void signedIn();
  void signInFailed(messenger::client::SignInProblem problem, const QString& message,
                    const QString& sha256_fingerprint);
  /// The server ended the session (revoked elsewhere, account disabled) or sign_out() was
  /// called. `reason` is for the user; empty for sign_out().
  void signedOut(const QString& reason);
  void connectionStateChanged(messenger::client::ConnectionState state);
  /// A sync after (re)connecting finished: every conversation is caught up.
  void synced();
  /// A message from someone else arrived live (for notifications).
  void messageReceived(const messenger::core::Message& message);
  void typingChanged(messenger::core::ConversationId id);
  void unreadTotalChanged(qint64 total);
  void settingsChanged();
  /// A user's profile or presence changed, or a user not known before was fetched.
  void userChanged(messenger::core::UserId id);
  /// My conversation (name, topic, members, unread) changed or was added, or was removed
  /// (conversation(id) is then empty).
  void conversationChanged(messenger::core::ConversationId id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace messenger::client
