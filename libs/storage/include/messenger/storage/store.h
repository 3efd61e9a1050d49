#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messenger/core/domain.h"
#include "messenger/core/result.h"

namespace messenger::storage {

using core::AuthSession;
using core::AuthSessionId;
using core::Conversation;
using core::ConversationId;
using core::Member;
using core::Message;
using core::Profile;
using core::Result;
using core::Rev;
using core::Seq;
using core::Status;
using core::TimestampMs;
using core::User;
using core::UserCredentials;
using core::UserId;

struct NewUser {
  std::string username;
  std::string password_hash;
  Profile profile;
  bool is_admin = false;
  TimestampMs created_at = 0;
};

struct UserQuery {
  std::string text;        // substring (case-insensitive) of username, display name, department
                           // or title; empty = everyone
  std::string department;  // exact match; empty = any
  bool include_disabled = false;
  UserId after;  // ids greater than this
  int limit = 50;
};

struct NewMessage {
  ConversationId conversation_id;
  UserId sender_id;
  std::string client_msg_id;
  std::string text;
  TimestampMs created_at = 0;

  /// The message as stored after a conversation whose counters are `last_seq` and `last_rev`:
  /// the next seq and rev, never edited or deleted.
  [[nodiscard]] Message stored_after(Seq last_seq, Rev last_rev) const {
    return Message{.conversation_id = conversation_id,
                   .seq = Seq(last_seq.value() + 1),
                   .rev = Rev(last_rev.value() + 1),
                   .sender_id = sender_id,
                   .client_msg_id = client_msg_id,
                   .text = text,
                   .created_at = created_at,
                   .edited_at = 0,
                   .deleted = false};
  }
};

enum class HistoryDirection { before, after };

struct HistoryQuery {
  HistoryDirection direction = HistoryDirection::before;
  Seq anchor;  // before: seq < anchor (0 = from the newest); after: seq > anchor
  int limit = 50;
};

/// Makes committed units of work durable (see Store::defer_sync).
class Syncer {
 public:
  virtual ~Syncer() = default;
  /// Returns ok once every unit whose commit() returned before this call is durable. Called from
  /// one thread of its own while the store's thread goes on with later units. After an error the
  /// units it covered may or may not survive a crash.
  virtual Status sync() = 0;
};

/// A number a store keeps about its own work, for the server's /metrics.
struct StoreCounter {
  const char* name;  // Prometheus metric name, messenger_ prefixed
  const char* help;
  std::uint64_t value;
  bool gauge = false;  // a level that goes up and down, not a running total
};

/// Every durable thing the server keeps. Calls are synchronous and come from one thread (the
/// service thread); an implementation needs no locking of its own.
///
/// Writes happen inside a unit of work: begin(), any reads and writes, commit(). Nothing written
/// is visible to other processes or survives a crash before commit() returns ok; after it returns
/// ok, everything is durable (unless defer_sync() moved that wait to a Syncer). A failed call
/// returns Errc::unavailable and the caller rolls back.
/// Preconditions (existence, membership, uniqueness) are the service's job to check first;
/// a store may still return Errc::conflict or Errc::not_found when they are violated.
class Store {
 public:
  virtual ~Store() = default;

  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  /// Lets the disk wait of a commit happen on another thread, so that the store's thread can go
  /// on with the next unit meanwhile. From this call on, commit() makes a unit visible (to later
  /// units and to other processes) and crash-consistent, but durable only once the returned
  /// Syncer's sync(), called after that commit() returned, has returned ok. There is no way
  /// back: once the Syncer is gone, nothing makes later commits durable, so commit no more after
  /// it. Null when the store cannot split its commits, or need not (its commits never wait for
  /// the disk); its commit() then stays as it was.
  virtual std::unique_ptr<Syncer> defer_sync() { return nullptr; }
  /// The store's own counters (e.g. the embedded store's checkpoints); none by default. The one
  /// call that any thread may make, at any time: it reads only atomics.
  [[nodiscard]] virtual std::vector<StoreCounter> counters() const { return {}; }

  // ---- users ----
  /// Errc::conflict when the username is taken.
  virtual Result<User> create_user(const NewUser& user) = 0;
  virtual Result<std::optional<User>> find_user(UserId id) = 0;
  virtual Result<std::optional<UserCredentials>> find_user_by_username(std::string_view name) = 0;
  /// The users that exist among `ids`, in ascending id order.
  virtual Result<std::vector<User>> get_users(std::span<const UserId> ids) = 0;
  /// Ascending id order.
  virtual Result<std::vector<User>> search_users(const UserQuery& query) = 0;
  virtual Result<std::int64_t> count_users() = 0;
  virtual Status update_profile(UserId id, const Profile& profile) = 0;
  virtual Status set_password_hash(UserId id, std::string_view password_hash) = 0;
  virtual Status set_disabled(UserId id, bool disabled) = 0;
  virtual Status set_admin(UserId id, bool is_admin) = 0;
  virtual Status set_last_seen(UserId id, TimestampMs when) = 0;

  // ---- per-user settings document ----
  /// Compact JSON text of an object; "{}" when the user never stored settings.
  virtual Result<std::string> get_settings(UserId id) = 0;
  virtual Status put_settings(UserId id, std::string_view settings_json) = 0;

  // ---- login sessions ----
  /// Assigns the id.
  virtual Result<AuthSession> create_auth_session(const AuthSession& session) = 0;
  virtual Result<std::optional<AuthSession>> find_auth_session(std::string_view token_hash) = 0;
  virtual Status delete_auth_session(AuthSessionId id) = 0;
  /// Deletes every session of the user but `keep`; returns the deleted ids.
  virtual Result<std::vector<AuthSessionId>> delete_auth_sessions_of(
      UserId user, std::optional<AuthSessionId> keep) = 0;

  // ---- conversations and members ----
  /// Assigns the id; last_seq and last_rev start at 0.
  virtual Result<Conversation> create_conversation(const Conversation& conversation,
                                                   std::span<const Member> members) = 0;
  virtual Result<std::optional<Conversation>> find_conversation(ConversationId id) = 0;
  /// The direct conversation between two users, in either order.
  virtual Result<std::optional<ConversationId>> find_direct(UserId a, UserId b) = 0;
  /// Stores name, topic and archived.
  virtual Status update_conversation(const Conversation& conversation) = 0;
  /// Ascending user id.
  virtual Result<std::vector<Member>> members(ConversationId id) = 0;
  virtual Result<std::optional<Member>> find_member(ConversationId id, UserId user) = 0;
  virtual Result<std::int64_t> count_members(ConversationId id) = 0;
  virtual Status add_member(ConversationId id, const Member& member) = 0;
  virtual Status remove_member(ConversationId id, UserId user) = 0;
  /// Sets the member's read marker; callers pass only increasing values.
  virtual Status set_last_read(ConversationId id, UserId user, Seq seq) = 0;
  /// Conversations the user is a member of, most recent activity first.
  virtual Result<std::vector<Conversation>> conversations_of(UserId user) = 0;
  /// Public channels whose name contains `query` (case-insensitive), by name.
  virtual Result<std::vector<Conversation>> public_channels(std::string_view query, int limit) = 0;
  /// Distinct users who share at least one conversation with `user`, excluding the user.
  virtual Result<std::vector<UserId>> contacts_of(UserId user) = 0;
  /// Every conversation (any kind, archived too) with an id greater than `after`, ascending
  /// id, at most `limit`: for copying a whole store.
  virtual Result<std::vector<Conversation>> list_conversations(ConversationId after, int limit) = 0;

  // ---- messages ----
  /// Appends messages in the given order. Each gets the next seq and rev of its conversation,
  /// and the conversation's last_seq, last_rev and last_activity move with them.
  virtual Result<std::vector<Message>> append_messages(std::span<const NewMessage> messages) = 0;
  /// Appends one message to a conversation whose last_seq and last_rev the caller believes to be
  /// `last_seq` and `last_rev` (a cache in front of this store), so that the store need not read
  /// them. Otherwise the same as append_messages with this one message: numbers that are wrong
  /// must still give the next seq and rev. A store that has no use for the numbers, or cannot
  /// trust them (MongoDB, which other servers write), keeps this default, which ignores them.
  virtual Result<Message> append_message_after(const NewMessage& message, Seq last_seq,
                                               Rev last_rev) {
    (void)last_seq;
    (void)last_rev;
    auto stored = append_messages(std::span(&message, 1));
    if (!stored.ok()) return stored.error();
    return std::move(stored->front());
  }
  virtual Result<std::optional<Message>> find_message(ConversationId id, Seq seq) = 0;
  virtual Result<std::optional<Message>> find_message_by_client_id(
      UserId sender, std::string_view client_msg_id) = 0;
  /// Replaces the text (an edit, with edited_at = when) or, with nullopt, turns the message into
  /// a tombstone (deleted, empty text). Either gives it the conversation's next rev.
  virtual Result<Message> update_message(ConversationId id, Seq seq,
                                         std::optional<std::string_view> new_text,
                                         TimestampMs when) = 0;
  /// Ascending seq, at most query.limit messages; for "before" the page nearest the anchor.
  virtual Result<std::vector<Message>> history(ConversationId id, const HistoryQuery& query) = 0;
  /// Messages whose rev is greater than `after`, ascending rev.
  virtual Result<std::vector<Message>> changes_since(ConversationId id, Rev after, int limit) = 0;
  /// Messages after `after_seq` that are not deleted and not sent by `reader`.
  virtual Result<std::int64_t> count_unread(ConversationId id, UserId reader, Seq after_seq) = 0;
};

}  // namespace messenger::storage
