#pragma once

#include <QString>
#include <QTimer>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "messenger/core/error.h"
#include "messenger/core/ids.h"

namespace messenger::client::detail {

struct SessionCore;

/// Sends the messages written on this device exactly once. Each is first stored in the cache's
/// outbox (so it survives a crash or a restart), shown as pending, and sent when the sync after
/// a (re)connect has opened the outbox: oldest first, one msg.send at a time (so the server
/// numbers them in the order they were written and an entry is never on the wire twice), always
/// with its own client_msg_id (the server deduplicates a resend whose reply was lost).
/// A network failure leaves the entry for the next connection; a refusal (archived, not a
/// member, too large, rate limited, ...) marks it failed until the user retries it.
class Outbox {
 public:
  explicit Outbox(SessionCore& core);

  /// Stores a new entry and sends it if the outbox is open. Empty when not signed in or the
  /// text is empty or the cache refused the entry.
  QString add(core::ConversationId id, const QString& text);
  /// Clears the failed mark of an entry and sends it again.
  void retry(const QString& client_msg_id);
  /// Removes a failed entry (the user deleted it). Unknown ids and entries that are not failed
  /// (waiting or being sent) are left alone.
  void discard(const QString& client_msg_id);

  /// The sync is done: sends every entry that is not failed. `idle` is called once there is
  /// nothing left to send now (all sent or failed, or sending stopped on a network failure).
  void open(std::function<void()> idle);
  /// The connection is gone: stops sending; an unanswered entry is sent again after open().
  void close();

 private:
  void pump();
  void on_reply(const std::string& client_msg_id, int attempt,
                const std::optional<core::Error>& error);
  void become_idle();

  SessionCore& core_;
  bool open_ = false;
  std::optional<std::string> in_flight_;
  int attempt_ = 0;  // tells a reply of an earlier connection from the current one
  std::vector<std::function<void()>> idle_;
  QTimer retry_timer_;  // server-side unavailable while the connection stays up
};

/// Errors after which the same request may succeed later unchanged (the connection dropped,
/// the reply timed out, storage failed).
bool is_transient(const core::Error& error);

}  // namespace messenger::client::detail
