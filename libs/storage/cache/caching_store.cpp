#include "messenger/storage/caching_store.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

namespace messenger::storage {
namespace {

/// See make_caching_store. Reads of users, sessions, settings and messages, and every write,
/// go to the inner store; the cache only remembers conversation rows and member lists and
/// follows the writes that change them.
class CachingStore final : public Store {
 public:
  CachingStore(std::unique_ptr<Store> inner, std::size_t max_conversations, CacheLifetime lifetime)
      : inner_(std::move(inner)), max_conversations_(max_conversations), lifetime_(lifetime) {}

  Status begin() override {
    end_unit();
    auto status = inner_->begin();
    in_unit_ = status.ok();
    return status;
  }
  Status commit() override {
    auto status = inner_->commit();
    if (status.ok()) end_unit();  // a failed commit is rolled back, which empties the cache
    return status;
  }
  std::unique_ptr<Syncer> defer_sync() override { return inner_->defer_sync(); }
  [[nodiscard]] std::vector<StoreCounter> counters() const override { return inner_->counters(); }
  void rollback() override {
    // Whatever the unit changed in the cache is gone from the store again.
    cache_.clear();
    in_unit_ = false;
    inner_->rollback();
  }

  // ---- users, settings, sessions: not cached ----
  Result<User> create_user(const NewUser& user) override { return inner_->create_user(user); }
  Result<std::optional<User>> find_user(UserId id) override { return inner_->find_user(id); }
  Result<std::optional<UserCredentials>> find_user_by_username(std::string_view name) override {
    return inner_->find_user_by_username(name);
  }
  Result<std::vector<User>> get_users(std::span<const UserId> ids) override {
    return inner_->get_users(ids);
  }
  Result<std::vector<User>> search_users(const UserQuery& query) override {
    return inner_->search_users(query);
  }
  Result<std::int64_t> count_users() override { return inner_->count_users(); }
  Status update_profile(UserId id, const Profile& profile) override {
    return inner_->update_profile(id, profile);
  }
  Status set_password_hash(UserId id, std::string_view password_hash) override {
    return inner_->set_password_hash(id, password_hash);
  }
  Status set_disabled(UserId id, bool disabled) override {
    return inner_->set_disabled(id, disabled);
  }
  Status set_admin(UserId id, bool is_admin) override { return inner_->set_admin(id, is_admin); }
  Status set_last_seen(UserId id, TimestampMs when) override {
    return inner_->set_last_seen(id, when);
  }
  Result<std::string> get_settings(UserId id) override { return inner_->get_settings(id); }
  Status put_settings(UserId id, std::string_view settings_json) override {
    return inner_->put_settings(id, settings_json);
  }
  Result<AuthSession> create_auth_session(const AuthSession& session) override {
    return inner_->create_auth_session(session);
  }
  Result<std::optional<AuthSession>> find_auth_session(std::string_view token_hash) override {
    return inner_->find_auth_session(token_hash);
  }
  Status delete_auth_session(AuthSessionId id) override { return inner_->delete_auth_session(id); }
  Result<std::vector<AuthSessionId>> delete_auth_sessions_of(
      UserId user, std::optional<AuthSessionId> keep) override {
    return inner_->delete_auth_sessions_of(user, keep);
  }

  // ---- conversations and members ----
  Result<Conversation> create_conversation(const Conversation& conversation,
                                           std::span<const Member> members) override {
    auto created = inner_->create_conversation(conversation, members);
    // Nothing should be cached under a new id, but a read of it before it existed might be.
    if (created.ok()) forget(created->id);
    return created;
  }

  Result<std::optional<Conversation>> find_conversation(ConversationId id) override {
    if (auto* entry = find(id); entry != nullptr && entry->row) return entry->row;
    auto row = inner_->find_conversation(id);
    if (row.ok() && row.value() && caching()) entry_for(id).row = *row.value();
    return row;
  }

  Result<std::optional<ConversationId>> find_direct(UserId a, UserId b) override {
    return inner_->find_direct(a, b);
  }

  Status update_conversation(const Conversation& conversation) override {
    forget(conversation.id);
    return inner_->update_conversation(conversation);
  }

  Result<std::vector<Member>> members(ConversationId id) override {
    auto cached = cached_members(id);
    if (!cached.ok()) return cached.error();
    return *cached.value();
  }

  Result<std::optional<Member>> find_member(ConversationId id, UserId user) override {
    auto cached = cached_members(id);
    if (!cached.ok()) return cached.error();
    const auto& list = *cached.value();
    // members() is in ascending user id.
    const auto it = std::lower_bound(list.begin(), list.end(), user,
                                     [](const Member& m, UserId u) { return m.user_id < u; });
    if (it == list.end() || it->user_id != user) return std::optional<Member>{};
    return std::optional<Member>{*it};
  }

  Result<std::int64_t> count_members(ConversationId id) override {
    if (auto* entry = find(id); entry != nullptr && entry->members) {
      return static_cast<std::int64_t>(entry->members->size());
    }
    return inner_->count_members(id);
  }

  Status add_member(ConversationId id, const Member& member) override {
    forget(id);
    return inner_->add_member(id, member);
  }

  Status remove_member(ConversationId id, UserId user) override {
    forget(id);
    return inner_->remove_member(id, user);
  }

  Status set_last_read(ConversationId id, UserId user, Seq seq) override {
    auto status = inner_->set_last_read(id, user, seq);
    auto* entry = find(id);
    if (entry == nullptr || !entry->members) return status;
    if (!status.ok()) {
      forget(id);
      return status;
    }
    for (auto& m : *entry->members) {
      if (m.user_id == user) m.last_read = seq;
    }
    return status;
  }

  Result<std::vector<Conversation>> conversations_of(UserId user) override {
    return inner_->conversations_of(user);
  }
  Result<std::vector<Conversation>> public_channels(std::string_view query, int limit) override {
    return inner_->public_channels(query, limit);
  }
  Result<std::vector<UserId>> contacts_of(UserId user) override {
    return inner_->contacts_of(user);
  }
  Result<std::vector<Conversation>> list_conversations(ConversationId after, int limit) override {
    return inner_->list_conversations(after, limit);
  }

  // ---- messages: the conversation's counters move with each write ----
  Result<std::vector<Message>> append_messages(std::span<const NewMessage> messages) override {
    // The hot path, one message of a conversation whose row is cached: the cache knows its
    // counters, so the inner store need not read them (one SELECT per send less).
    if (messages.size() == 1) {
      if (auto* entry = find(messages.front().conversation_id); entry != nullptr && entry->row) {
        auto one =
            append_message_after(messages.front(), entry->row->last_seq, entry->row->last_rev);
        if (!one.ok()) return one.error();
        std::vector<Message> stored;
        stored.push_back(std::move(one.value()));
        return stored;
      }
    }
    auto stored = inner_->append_messages(messages);
    if (!stored.ok()) {
      for (const auto& m : messages) forget(m.conversation_id);
      return stored;
    }
    for (const auto& m : stored.value()) {
      auto* entry = find(m.conversation_id);
      if (entry == nullptr || !entry->row) continue;
      entry->row->last_seq = m.seq;
      entry->row->last_rev = m.rev;
      entry->row->last_activity = std::max(entry->row->last_activity, m.created_at);
    }
    return stored;
  }

  Result<Message> append_message_after(const NewMessage& message, Seq last_seq,
                                       Rev last_rev) override {
    auto stored = inner_->append_message_after(message, last_seq, last_rev);
    if (!stored.ok()) {
      forget(message.conversation_id);
      return stored;
    }
    if (auto* entry = find(message.conversation_id); entry != nullptr && entry->row) {
      entry->row->last_seq = stored->seq;
      entry->row->last_rev = stored->rev;
      entry->row->last_activity = std::max(entry->row->last_activity, stored->created_at);
    }
    return stored;
  }

  Result<std::optional<Message>> find_message(ConversationId id, Seq seq) override {
    return inner_->find_message(id, seq);
  }
  Result<std::optional<Message>> find_message_by_client_id(
      UserId sender, std::string_view client_msg_id) override {
    return inner_->find_message_by_client_id(sender, client_msg_id);
  }

  Result<Message> update_message(ConversationId id, Seq seq,
                                 std::optional<std::string_view> new_text,
                                 TimestampMs when) override {
    auto updated = inner_->update_message(id, seq, new_text, when);
    auto* entry = find(id);
    if (entry == nullptr || !entry->row) return updated;
    if (updated.ok()) {
      entry->row->last_rev = updated->rev;
    } else {
      forget(id);
    }
    return updated;
  }

  Result<std::vector<Message>> history(ConversationId id, const HistoryQuery& query) override {
    return inner_->history(id, query);
  }
  Result<std::vector<Message>> changes_since(ConversationId id, Rev after, int limit) override {
    return inner_->changes_since(id, after, limit);
  }
  Result<std::int64_t> count_unread(ConversationId id, UserId reader, Seq after_seq) override {
    return inner_->count_unread(id, reader, after_seq);
  }

 private:
  struct Entry {
    std::optional<Conversation> row;
    std::optional<std::vector<Member>> members;
  };

  /// Whether reads may be answered from, and kept in, the cache now.
  [[nodiscard]] bool caching() const { return lifetime_ == CacheLifetime::process || in_unit_; }

  void end_unit() {
    in_unit_ = false;
    if (lifetime_ == CacheLifetime::unit) cache_.clear();
  }

  Entry* find(ConversationId id) {
    if (!caching()) return nullptr;
    auto it = cache_.find(id);
    return it == cache_.end() ? nullptr : &it->second;
  }

  Entry& entry_for(ConversationId id) {
    if (cache_.size() >= max_conversations_ && !cache_.contains(id)) cache_.clear();
    return cache_[id];
  }

  void forget(ConversationId id) { cache_.erase(id); }

  /// The member list, loaded once. The pointer stays valid until the next call on the cache.
  Result<const std::vector<Member>*> cached_members(ConversationId id) {
    if (auto* entry = find(id); entry != nullptr && entry->members) return &*entry->members;
    auto loaded = inner_->members(id);
    if (!loaded.ok()) return loaded.error();
    if (!caching()) {
      uncached_members_ = std::move(loaded.value());
      return &uncached_members_;
    }
    auto& entry = entry_for(id);
    entry.members = std::move(loaded.value());
    return &*entry.members;
  }

  std::unique_ptr<Store> inner_;
  const std::size_t max_conversations_;
  const CacheLifetime lifetime_;
  bool in_unit_ = false;
  std::unordered_map<ConversationId, Entry> cache_;
  std::vector<Member> uncached_members_;  // a member list read outside a unit, unit lifetime
};

}  // namespace

std::unique_ptr<Store> make_caching_store(std::unique_ptr<Store> inner,
                                          std::size_t max_conversations, CacheLifetime lifetime) {
  return std::make_unique<CachingStore>(std::move(inner),
                                        std::max<std::size_t>(1, max_conversations), lifetime);
}

}  // namespace messenger::storage
