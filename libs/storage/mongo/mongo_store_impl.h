#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bson_doc.h"
#include "messenger/storage/mongo_store.h"
#include "messenger/storage/store.h"
#include "mongo_database.h"

namespace messenger::storage::mongo {

/// Collection names: the document model is described in docs/storage.md.
namespace collections {
inline constexpr std::string_view users = "users";
inline constexpr std::string_view settings = "settings";
inline constexpr std::string_view auth_sessions = "auth_sessions";
inline constexpr std::string_view conversations = "conversations";
inline constexpr std::string_view members = "members";
inline constexpr std::string_view messages = "messages";
inline constexpr std::string_view counters = "counters";
inline constexpr std::string_view meta = "meta";
}  // namespace collections

/// How a write of the current unit of work is undone on rollback.
struct UndoStep {
  enum class Kind {
    insert,          // put `document` back
    remove,          // delete the document matching `filter`
    update,          // update_one(filter, document)
    remove_message,  // delete message (conversation, seq) unless a later seq exists
  };
  Kind kind;
  std::string_view collection;
  BsonDoc filter;
  BsonDoc document;
  ConversationId conversation;
  Seq seq;
};

/// The MongoDB store. MongoDB (and FerretDB) without a replica set has no multi-document
/// transactions, so a unit of work writes through at once with an acknowledged write concern,
/// keeps an undo log for rollback(), and commit() makes everything durable with one write at the
/// configured write concern (majority + journal by default): a journaled write waits for the
/// journal to hold every earlier write too. This is the group commit.
///
/// Message seqs are claimed by the message insert itself: `_id` is "<conversation>:<seq>", so
/// two processes that pick the same seq collide on the key and the loser takes the next one.
/// The conversation's counters follow with $max, so they never move backwards.
class MongoStore final : public Store {
 public:
  explicit MongoStore(Connection connection) : connection_(std::move(connection)) {}

  Status begin() override;
  Status commit() override;
  void rollback() override;
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
  Result<std::optional<Message>> find_message(ConversationId id, Seq seq) override;
  Result<std::optional<Message>> find_message_by_client_id(UserId sender,
                                                           std::string_view client_msg_id) override;
  Result<Message> update_message(ConversationId id, Seq seq,
                                 std::optional<std::string_view> new_text,
                                 TimestampMs when) override;
  Result<std::vector<Message>> history(ConversationId id, const HistoryQuery& query) override;
  Result<std::vector<Message>> changes_since(ConversationId id, Rev after, int limit) override;
  Result<std::int64_t> count_unread(ConversationId id, UserId reader, Seq after_seq) override;

  // ---- for open_mongo_store and migrate_to_mongo ----
  Connection& connection() { return connection_; }
  /// Inserts documents as they are (ids included), outside any unit of work.
  Status import_documents(std::string_view collection, std::vector<BsonDoc> documents);

 private:
  /// A client for one call: the unit's, or one borrowed from the pool for this call alone.
  class Session {
   public:
    explicit Session(MongoStore& store);
    Operations* operator->() { return &ops_; }

   private:
    std::optional<PooledClient> owned_;
    Operations ops_;
  };
  friend class Session;

  [[nodiscard]] bool in_unit() const { return unit_client_.has_value(); }
  /// The next id of a kind ("users", "conversations", "auth_sessions").
  Result<std::int64_t> next_id(Session& session, std::string_view kind);
  /// The ids of the conversations `user` is a member of.
  Result<std::vector<std::int64_t>> conversation_ids_of(Session& session, UserId user);

  // Writes that record how to undo themselves while a unit of work is open.
  Status insert(Session& session, std::string_view collection, BsonDoc id_filter,
                const BsonDoc& document, std::string_view what);
  /// $set of `fields` on the one document matching `filter`; Errc::not_found when none does.
  Status set_fields(Session& session, std::string_view collection, const BsonDoc& filter,
                    const BsonDoc& fields, std::string_view what);
  Result<std::optional<BsonDoc>> remove_one(Session& session, std::string_view collection,
                                            const BsonDoc& filter, std::string_view what);
  Result<std::vector<BsonDoc>> remove_all(Session& session, std::string_view collection,
                                          const BsonDoc& filter, std::string_view what);
  void record(UndoStep step);
  void undo(Operations& ops, UndoStep& step);

  // Messages: seq / rev bookkeeping.
  struct Counters {
    Seq last_seq;
    Rev last_rev;
  };
  /// The conversation's counters, first reconciled with its messages once per process: a
  /// process killed between inserting a message and moving the counters leaves them behind.
  Result<std::optional<Counters>> counters_of(Session& session, ConversationId id);
  Status reconcile_counters(Session& session, ConversationId id);
  /// Moves last_seq / last_rev / last_activity forward to at least the given values.
  Status advance_counters(Session& session, ConversationId id, Seq seq, Rev rev,
                          TimestampMs activity);
  Result<Message> insert_message(Session& session, const NewMessage& message);

  Connection connection_;
  std::optional<PooledClient> unit_client_;
  bool unit_wrote_ = false;
  bool unit_failed_ = false;  // an operation failed: the rest of the unit fails fast
  std::vector<UndoStep> undo_log_;
  std::unordered_set<std::int64_t> reconciled_;
};

// ---- document mapping (mongo_documents.cpp) ----
BsonDoc user_document(const User& user, std::string_view password_hash);
User user_from(const BsonDoc& doc);
BsonDoc profile_fields(const Profile& profile);
BsonDoc session_document(const AuthSession& session);
AuthSession session_from(const BsonDoc& doc);
BsonDoc conversation_document(const Conversation& conversation, std::string_view direct_key);
Conversation conversation_from(const BsonDoc& doc);
std::string member_key(ConversationId conversation, UserId user);
BsonDoc member_document(ConversationId conversation, const Member& member);
Member member_from(const BsonDoc& doc);
std::string message_key(ConversationId conversation, Seq seq);
BsonDoc message_document(const Message& message);
Message message_from(const BsonDoc& doc);
/// "<low id>:<high id>" for a direct conversation; "#<id>" for the others (unique either way).
std::string direct_key(UserId a, UserId b);

// ---- schema (mongo_schema.cpp) ----
inline constexpr int kSchemaVersion = 1;
/// Creates collections and indexes, records the version; refuses a newer database.
Status prepare_schema(Operations& ops, const std::string& address);

}  // namespace messenger::storage::mongo
