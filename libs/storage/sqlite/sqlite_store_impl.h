#pragma once

#include <fmt/format.h>

#include <utility>

#include "messenger/sqlite/database.h"
#include "messenger/storage/sqlite_store.h"
#include "messenger/storage/store.h"
#include "sqlite_checkpointer.h"

namespace messenger::storage::sqlite {

// The generic SQLite wrapper (libs/sqlite), by the names this folder has always used.
using ::messenger::sqlite::Database;
using ::messenger::sqlite::Savepoint;
using ::messenger::sqlite::Statement;

/// The embedded store: one SQLite connection in WAL mode. Every method is atomic on its own
/// (a savepoint where it takes more than one statement), so it works both inside begin()/commit()
/// and in autocommit mode, and a failed call leaves an enclosing transaction as it was.
class SqliteStore final : public Store {
 public:
  /// `commits_sync`: commits wait for the disk (synchronous = full), so defer_sync() can take
  /// that wait off them.
  /// `checkpointer`: the WAL's checkpoints run off this connection's thread; null keeps SQLite's
  /// automatic checkpoint (an in-memory database).
  SqliteStore(Database db, bool commits_sync, std::unique_ptr<Checkpointer> checkpointer)
      : db_(std::move(db)), commits_sync_(commits_sync), checkpointer_(std::move(checkpointer)) {}

  Status begin() override;
  Status commit() override;
  void rollback() override;
  /// Commits stop syncing the WAL (synchronous = normal: they still reach the file, and
  /// checkpoints still sync), and the Syncer fdatasyncs the WAL through a descriptor of its own.
  std::unique_ptr<Syncer> defer_sync() override;
  [[nodiscard]] std::vector<StoreCounter> counters() const override;

  Result<User> create_user(const NewUser& user) override;
  Result<std::optional<User>> find_user(UserId id) override;
  Result<std::optional<UserCredentials>> find_user_by_username(std::string_view name) override;
  Result<std::vector<User>> get_users(std::span<const UserId> ids) override;
  Result<std::vector<User>> search_users(const UserQuery& query) override;
  Result<std::int64_t> count_users() override;
  Status update_profile(UserId id, const Profile& profile) override;
  Status set_password_hash(UserId id, std::string_view password_hash) override;
  Status set_disabled(UserId id, bool disabled) override;
  Status set_admin(UserId id, bool is_admin) override;
  Status set_last_seen(UserId id, TimestampMs when) override;

  Result<std::string> get_settings(UserId id) override;
  Status put_settings(UserId id, std::string_view settings_json) override;

  Result<AuthSession> create_auth_session(const AuthSession& session) override;
  Result<std::optional<AuthSession>> find_auth_session(std::string_view token_hash) override;
  Status delete_auth_session(AuthSessionId id) override;
  Result<std::vector<AuthSessionId>> delete_auth_sessions_of(
      UserId user, std::optional<AuthSessionId> keep) override;

  Result<Conversation> create_conversation(const Conversation& conversation,
                                           std::span<const Member> members) override;
  Result<std::optional<Conversation>> find_conversation(ConversationId id) override;
  Result<std::optional<ConversationId>> find_direct(UserId a, UserId b) override;
  Status update_conversation(const Conversation& conversation) override;
  Result<std::vector<Member>> members(ConversationId id) override;
  Result<std::optional<Member>> find_member(ConversationId id, UserId user) override;
  Result<std::int64_t> count_members(ConversationId id) override;
  Status add_member(ConversationId id, const Member& member) override;
  Status remove_member(ConversationId id, UserId user) override;
  Status set_last_read(ConversationId id, UserId user, Seq seq) override;
  Result<std::vector<Conversation>> conversations_of(UserId user) override;
  Result<std::vector<Conversation>> public_channels(std::string_view query, int limit) override;
  Result<std::vector<UserId>> contacts_of(UserId user) override;
  Result<std::vector<Conversation>> list_conversations(ConversationId after, int limit) override;

  Result<std::vector<Message>> append_messages(std::span<const NewMessage> messages) override;
  Result<Message> append_message_after(const NewMessage& message, Seq last_seq,
                                       Rev last_rev) override;
  Result<std::optional<Message>> find_message(ConversationId id, Seq seq) override;
  Result<std::optional<Message>> find_message_by_client_id(UserId sender,
                                                           std::string_view client_msg_id) override;
  Result<Message> update_message(ConversationId id, Seq seq,
                                 std::optional<std::string_view> new_text,
                                 TimestampMs when) override;
  Result<std::vector<Message>> history(ConversationId id, const HistoryQuery& query) override;
  Result<std::vector<Message>> changes_since(ConversationId id, Rev after, int limit) override;
  Result<std::int64_t> count_unread(ConversationId id, UserId reader, Seq after_seq) override;

 private:
  /// Runs a single-statement write; Errc::not_found when it matched no row.
  template <typename... Args>
  Status update_one(std::string_view sql, std::string_view what, const Args&... args);
  Result<std::int64_t> count(std::string_view sql, std::string_view what, std::int64_t key);
  /// The conversation's last_seq and last_rev; Errc::not_found when it does not exist.
  Result<std::pair<Seq, Rev>> read_counters(ConversationId id);
  /// Inserts the message as number `last_seq + 1` (rev `last_rev + 1`) and moves the
  /// conversation's counters to it, if they still are `last_seq` and `last_rev`. When they are
  /// not, it stores nothing and returns no message. No savepoint of its own.
  Result<std::optional<Message>> insert_message(const NewMessage& message, Seq last_seq,
                                                Rev last_rev);
  /// read_counters, then insert_message with what it read.
  Result<Message> append_one(const NewMessage& message);
  /// Records that the conversation's latest edit has `rev` while its last message is
  /// `last_seq` (docs/storage.md, "Changes since a rev").
  Status mark_rev(ConversationId id, Rev rev, Seq last_seq);
  /// The seq after which every unchanged message with a rev above `after` lies.
  Result<std::int64_t> first_seq_after_rev(ConversationId id, Rev after);

  Database db_;
  bool commits_sync_;
  // After db_: it unhooks itself from the connection and closes its own before db_ closes.
  std::unique_ptr<Checkpointer> checkpointer_;
};

/// A LIKE pattern matching `text` anywhere, with %, _ and the escape character escaped; use
/// with ESCAPE '\'.
std::string contains_pattern(std::string_view text);

template <typename... Args>
Status SqliteStore::update_one(std::string_view sql, std::string_view what, const Args&... args) {
  auto stmt = db_.prepare(sql, what);
  if (!stmt.ok()) return stmt.error();
  (stmt->bind(args), ...);
  MESSENGER_TRY(stmt->run());
  if (db_.changes() == 0) {
    return core::make_error(core::Errc::not_found, fmt::format("sqlite: {}: no such row", what));
  }
  return core::Ok{};
}

}  // namespace messenger::storage::sqlite
