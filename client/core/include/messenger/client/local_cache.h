#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"

namespace messenger::client {

/// A message written on this device that the server has not acknowledged yet. It survives a
/// restart and is sent again with the same client_msg_id, so the server stores it once.
struct OutboxEntry {
  std::string client_msg_id;
  core::ConversationId conversation_id;
  std::string text;
  core::TimestampMs created_at = 0;
  /// The last attempt was refused by the server (not a network failure): shown as failed, sent
  /// again only when the user retries.
  bool failed = false;
  std::string error;  // why it failed, for the user
};

/// The client's local SQLite cache of one account on one server: conversations, users, recent
/// history, the outbox, drafts and small values (the kept token, the settings document). Lets
/// the window open at once and show history without the server. Not thread-safe: used from the
/// GUI thread. A cache that cannot be opened is reported; a failing write is logged and ignored
/// (the server stays the source of truth), except for the outbox, whose writes return a Status.
class LocalCache {
 public:
  /// Opens or creates the cache file (and its folder). An unreadable or corrupt file (not a
  /// database, damaged, or written by a newer client) is moved aside as "<file>.broken" and a new
  /// one created, so a bad cache never locks the user out. Anything else (no permission, a
  /// folder in the way, the disk full) is returned as Errc::unavailable and the file left alone.
  static core::Result<std::unique_ptr<LocalCache>> open(const std::filesystem::path& file);
  ~LocalCache();
  LocalCache(const LocalCache&) = delete;
  LocalCache& operator=(const LocalCache&) = delete;

  // ---- conversations and users ----
  /// Replaces every cached conversation (after conv.list). A conversation no longer listed is
  /// removed as by remove_conversation(), with its messages, draft and outbox entries.
  void replace_conversations(const std::vector<protocol::ConversationSummary>& conversations);
  void save_conversation(const protocol::ConversationSummary& conversation);
  /// Also drops its messages, synced_rev, draft and outbox entries.
  void remove_conversation(core::ConversationId id);
  /// Ordered by id.
  [[nodiscard]] std::vector<protocol::ConversationSummary> conversations() const;

  /// Inserts or replaces by user id.
  void save_users(const std::vector<protocol::UserView>& users);
  /// Ordered by id.
  [[nodiscard]] std::vector<protocol::UserView> users() const;

  // ---- messages ----
  /// Inserts or updates by (conversation, seq) in one transaction; a stored row with a higher
  /// rev is kept. A deleted message is stored without its text, whatever `text` holds.
  void save_messages(const std::vector<core::Message>& messages);
  /// Up to `limit` messages with seq < before (before invalid = the newest), ascending by seq:
  /// the newest of them, i.e. the page just above the anchor.
  [[nodiscard]] std::vector<core::Message> messages_before(core::ConversationId id,
                                                           core::Seq before, int limit) const;
  /// Up to `limit` messages with seq > after, ascending by seq.
  [[nodiscard]] std::vector<core::Message> messages_after(core::ConversationId id, core::Seq after,
                                                          int limit) const;
  [[nodiscard]] std::int64_t message_count(core::ConversationId id) const;
  /// The revision up to which this conversation is in the cache (msg.sync continues after it).
  [[nodiscard]] core::Rev synced_rev(core::ConversationId id) const;
  void set_synced_rev(core::ConversationId id, core::Rev rev);

  // ---- outbox ----
  // Every outbox write is on disk (fsynced) when it returns Ok.

  /// Errc::conflict when an entry with this client_msg_id is already there.
  core::Status outbox_add(const OutboxEntry& entry);
  /// Ok also when there is no such entry (an acknowledgement may arrive twice).
  core::Status outbox_remove(std::string_view client_msg_id);
  /// Errc::not_found when there is no such entry.
  core::Status outbox_mark_failed(std::string_view client_msg_id, std::string_view error);
  /// Clears the failed mark and the error (the user pressed retry); the entry keeps its place.
  /// Errc::not_found when there is no such entry.
  core::Status outbox_retry(std::string_view client_msg_id);
  /// Oldest first: in the order outbox_add() was called, whatever the created_at values say.
  [[nodiscard]] std::vector<OutboxEntry> outbox() const;

  // ---- drafts ----
  /// An empty text removes the draft.
  void set_draft(core::ConversationId id, std::string_view text);
  [[nodiscard]] std::string draft(core::ConversationId id) const;

  // ---- small values ----
  void set_value(std::string_view key, std::string_view value);
  void remove_value(std::string_view key);
  [[nodiscard]] std::optional<std::string> value(std::string_view key) const;

 private:
  struct Impl;
  explicit LocalCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace messenger::client
