#include "outbox.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <utility>

#include "client_msg_id.h"
#include "session_core.h"

namespace messenger::client::detail {
namespace {

Q_LOGGING_CATEGORY(lcOutbox, "messenger.client.outbox")

/// After a server-side `unavailable` (or a timeout) on a connection that stays up.
constexpr std::chrono::milliseconds kRetryAfter{3'000};

}  // namespace

bool is_transient(const core::Error& error) {
  switch (error.code) {
    case core::Errc::unavailable:        // connection lost, timeout, or storage failed
    case core::Errc::not_authenticated:  // sent in the moment between reconnect and resume
    case core::Errc::hello_required:
    case core::Errc::rate_limited:  // not carried out; the same request later is welcome
      return true;
    default:
      return false;
  }
}

Outbox::Outbox(SessionCore& core) : core_(core) {
  retry_timer_.setSingleShot(true);
  QObject::connect(&retry_timer_, &QTimer::timeout, [this] { pump(); });
}

QString Outbox::add(core::ConversationId id, const QString& text) {
  if (!core_.cache || text.isEmpty()) return {};
  OutboxEntry entry;
  entry.created_at = QDateTime::currentMSecsSinceEpoch();
  entry.client_msg_id = new_client_msg_id(entry.created_at, *QRandomGenerator::system());
  entry.conversation_id = id;
  entry.text = text.toStdString();
  // Durable first: once this returns, the message is sent some day, exactly once.
  if (auto stored = core_.cache->outbox_add(entry); !stored.ok()) {
    qCWarning(lcOutbox) << "cannot store an outgoing message:"
                        << QString::fromStdString(stored.error().message);
    return {};
  }
  core_.show_pending(id);
  pump();
  return QString::fromStdString(entry.client_msg_id);
}

void Outbox::retry(const QString& client_msg_id) {
  if (!core_.cache) return;
  const std::string id = client_msg_id.toStdString();
  for (const auto& entry : core_.cache->outbox()) {
    if (entry.client_msg_id != id) continue;
    if (auto cleared = core_.cache->outbox_retry(id); !cleared.ok()) {
      qCWarning(lcOutbox) << "cannot clear the failed mark:"
                          << QString::fromStdString(cleared.error().message);
      return;
    }
    core_.show_pending(entry.conversation_id);
    pump();
    return;
  }
}

void Outbox::discard(const QString& client_msg_id) {
  if (!core_.cache) return;
  const std::string id = client_msg_id.toStdString();
  if (in_flight_ == id) return;
  for (const auto& entry : core_.cache->outbox()) {
    if (entry.client_msg_id != id) continue;
    if (!entry.failed) return;
    if (auto removed = core_.cache->outbox_remove(id); !removed.ok()) {
      qCWarning(lcOutbox) << "cannot remove a failed message:"
                          << QString::fromStdString(removed.error().message);
      return;
    }
    core_.show_pending(entry.conversation_id);
    return;
  }
}

void Outbox::open(std::function<void()> idle) {
  open_ = true;
  if (idle) idle_.push_back(std::move(idle));
  pump();
}

void Outbox::close() {
  open_ = false;
  in_flight_.reset();
  ++attempt_;
  retry_timer_.stop();
  idle_.clear();
}

void Outbox::pump() {
  if (in_flight_) return;  // the reply pumps again
  if (!open_ || !core_.authenticated || !core_.cache) {
    become_idle();
    return;
  }
  std::optional<OutboxEntry> next;
  for (auto& entry : core_.cache->outbox()) {
    if (!entry.failed) {
      next = std::move(entry);
      break;
    }
  }
  if (!next) {
    become_idle();
    return;
  }
  in_flight_ = next->client_msg_id;
  const int attempt = ++attempt_;
  const core::ConversationId conversation = next->conversation_id;
  protocol::SendMessage body{conversation, next->client_msg_id, std::move(next->text)};
  core_.call<protocol::MessageResult>(
      std::move(body), [this, id = *in_flight_, conversation,
                        attempt](core::Result<protocol::MessageResult> result) {
        const bool current = attempt == attempt_;
        if (current) in_flight_.reset();
        if (result.ok()) {
          // Also from an earlier connection: the server stored it, so it leaves the outbox.
          // `duplicate` means an earlier attempt was stored and this is that message.
          if (auto removed = core_.cache->outbox_remove(id); !removed.ok()) {
            qCWarning(lcOutbox) << "cannot remove a sent message from the outbox:"
                                << QString::fromStdString(removed.error().message);
          }
          const core::Message& message = result.value().message;
          core_.apply_messages(conversation, {message});
          core_.show_pending(conversation);
          if (!core_.advance_synced_rev(conversation, message.rev)) core_.catch_up(conversation);
          if (current) pump();
          return;
        }
        if (!current) return;
        const core::Error& error = result.error();
        if (is_transient(error)) {
          // Left in the outbox: sent again with the same client_msg_id after the next sync,
          // or shortly when the connection is still up (storage failed, reply timed out).
          // Connection fails the pending requests of a lost socket before it reports the new
          // state, so which of the two it was is known only after this turn of the event loop.
          QTimer::singleShot(0, &core_.q, [this, guard = core_.guard(), attempt] {
            if (!guard || attempt != attempt_) return;  // closed meanwhile
            if (open_ && core_.authenticated) retry_timer_.start(kRetryAfter);
            become_idle();
          });
          return;
        }
        qCInfo(lcOutbox) << "message refused:" << QString::fromStdString(error.message);
        if (auto marked = core_.cache->outbox_mark_failed(id, error.message); !marked.ok()) {
          // Pumping on would send the same entry again at once; wait for the next sync.
          qCWarning(lcOutbox) << "cannot mark a message failed:"
                              << QString::fromStdString(marked.error().message);
          become_idle();
          return;
        }
        core_.show_pending(conversation);
        pump();
      });
}

void Outbox::become_idle() {
  auto waiting = std::move(idle_);
  idle_.clear();
  for (auto& idle : waiting) idle();
}

}  // namespace messenger::client::detail
