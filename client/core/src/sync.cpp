#include "sync.h"

#include <QLoggingCategory>
#include <QTimer>
#include <algorithm>
#include <memory>
#include <utility>

#include "outbox.h"
#include "session_core.h"
#include "user_fetcher.h"

namespace messenger::client::detail {
namespace {

Q_LOGGING_CATEGORY(lcSync, "messenger.client.sync")

constexpr int kSyncPage = 100;  // msg.sync page: changes come in bulk after a long absence

QString text(const core::Error& error) {
  return QString::fromStdString(error.message);
}

}  // namespace

Sync::Sync(SessionCore& core, Outbox& outbox, UserFetcher& users)
    : core_(core), outbox_(outbox), users_(users) {}

void Sync::start() {
  const int epoch = ++epoch_;
  core_.call<protocol::ConversationListResult>(
      protocol::ListConversations{},
      [this, epoch](core::Result<protocol::ConversationListResult> result) {
        if (epoch != epoch_) return;
        if (!result.ok()) {
          on_list_failed(result.error());
          return;
        }
        core_.replace_conversations(std::move(result.value().conversations));
        send_pending_reads();
        // Every member's profile, also the known ones: presence changed while away.
        users_.refresh(core_.member_ids(), [this, epoch] {
          if (epoch != epoch_) return;
          sync_settings([this, epoch] {
            if (epoch != epoch_) return;
            std::vector<core::ConversationId> ids;
            for (const auto& row : core_.conversations->rows()) {
              ids.push_back(row.summary.conversation.conversation.id);
            }
            catch_up_all(std::move(ids), 0, epoch);
          });
        });
      });
}

void Sync::stop() {
  ++epoch_;
}

void Sync::reset() {
  ++epoch_;
  running_.clear();
}

void Sync::on_list_failed(const core::Error& error) {
  if (is_transient(error) && !core_.authenticated) return;  // the next login syncs again
  // The server could not list while the socket stays up: start over on a new socket (with
  // the connection's backoff) rather than show a list that may be incomplete.
  qCWarning(lcSync) << "conv.list failed:" << text(error);
  core_.connection->drop();
}

void Sync::send_pending_reads() {
  auto reads = std::move(core_.pending_reads);
  core_.pending_reads.clear();
  for (const auto& [id, seq] : reads) {
    if (!core_.row(id)) continue;
    core_.call<protocol::EmptyResult>(protocol::MarkRead{id, seq},
                                      [](const core::Result<protocol::EmptyResult>&) {});
    core_.set_read(id, seq);
  }
}

void Sync::sync_settings(std::function<void()> next) {
  if (core_.settings_dirty) {
    // Changed here while offline: this device's document wins, as if set just now.
    core_.call<protocol::EmptyResult>(
        protocol::SetSettings{to_json_text(core_.settings)},
        [this, next = std::move(next)](const core::Result<protocol::EmptyResult>& result) mutable {
          if (result.ok() || is_transient(result.error())) {
            if (result.ok()) core_.settings_dirty = false;
            next();
            return;
          }
          // Refused (too deep, too large): offering it again would not help; the server's
          // document comes back instead.
          qCWarning(lcSync) << "settings.set refused:" << text(result.error());
          core_.settings_dirty = false;
          sync_settings(std::move(next));
        });
    return;
  }
  core_.call<protocol::SettingsResult>(
      protocol::GetSettings{},
      [this, next = std::move(next)](const core::Result<protocol::SettingsResult>& result) {
        if (result.ok()) {
          const QJsonObject document = settings_from_json(result.value().settings_json);
          if (document != core_.settings) core_.apply_settings(document);
        }
        next();
      });
}

void Sync::catch_up_all(std::vector<core::ConversationId> ids, std::size_t from, int epoch) {
  // Conversations that are up to date are skipped here without recursion.
  while (from < ids.size() && !behind(ids[from])) ++from;
  if (epoch != epoch_) return;
  if (from < ids.size()) {
    const core::ConversationId id = ids[from];
    catch_up(id, false, [this, ids = std::move(ids), from, epoch]() mutable {
      catch_up_all(std::move(ids), from + 1, epoch);
    });
    return;
  }
  if (core_.away) {
    core_.call<protocol::EmptyResult>(protocol::SetPresence{protocol::PresenceState::away},
                                      [](const core::Result<protocol::EmptyResult>&) {});
  }
  outbox_.open([this, epoch] {
    // A reply failed by a lost socket comes before the socket's new state: confirm after this
    // turn of the event loop that the sync was not abandoned meanwhile.
    QTimer::singleShot(0, &core_.q, [this, epoch, guard = core_.guard()] {
      if (guard && epoch == epoch_) emit core_.q.synced();
    });
  });
}

bool Sync::behind(core::ConversationId id) const {
  if (running_.contains(id)) return true;  // wait for it: synced() means everything is done
  const ConversationRow* row = core_.row(id);
  if (!row || !core_.cache) return false;
  return core_.cache->synced_rev(id) < row->summary.conversation.conversation.last_rev;
}

void Sync::catch_up(core::ConversationId id, bool force, std::function<void()> done) {
  auto [it, inserted] = running_.try_emplace(id);
  if (done) it->second.waiters.push_back(std::move(done));
  if (!inserted) {
    it->second.again = it->second.again || force;
    return;
  }
  it->second.run = ++next_run_;
  step(id, it->second.run, force);
}

void Sync::step(core::ConversationId id, int run, bool force) {
  const ConversationRow* row = core_.row(id);
  if (!core_.authenticated || !core_.cache || !row) {
    finish(id, run);
    return;
  }
  const core::Rev synced = core_.cache->synced_rev(id);
  const core::Rev last = row->summary.conversation.conversation.last_rev;
  if (!force && synced >= last) {
    finish(id, run);
  } else if (!synced.is_valid()) {
    newest_page(id, run);
  } else {
    sync_page(id, run, synced);
  }
}

void Sync::newest_page(core::ConversationId id, int run) {
  // The cache has nothing of this conversation: its newest page is enough to show it (older
  // pages come when scrolled to), and msg.sync continues after the revision the list named.
  protocol::GetHistory body{id, std::nullopt, std::nullopt, kPageSize};
  core_.call<protocol::MessagesResult>(
      std::move(body), [this, id, run](core::Result<protocol::MessagesResult> result) {
        if (!result.ok()) {
          page_failed(id, run, result.error());
          return;
        }
        MessageListModel* open = core_.model(id);
        const bool was_empty =
            open && (open->rowCount() == 0 || !open->message_at(0)->seq.is_valid());
        core_.apply_messages(id, result.value().messages);
        core::Rev top = core_.cache->synced_rev(id);
        if (const ConversationRow* row = core_.row(id)) {
          top = std::max(top, row->summary.conversation.conversation.last_rev);
        }
        for (const auto& message : result.value().messages) top = std::max(top, message.rev);
        core_.cache->set_synced_rev(id, top);
        if (was_empty) core_.reload_model(id);  // knows now whether older messages exist
        finish(id, run);
      });
}

void Sync::sync_page(core::ConversationId id, int run, core::Rev after) {
  core_.call<protocol::MessagesResult>(
      protocol::SyncChanges{id, after, kSyncPage},
      [this, id, run, after](core::Result<protocol::MessagesResult> result) {
        if (!result.ok()) {
          page_failed(id, run, result.error());
          return;
        }
        const auto& page = result.value();
        core_.apply_messages(id, page.messages);
        core::Rev top = after;
        for (const auto& message : page.messages) top = std::max(top, message.rev);
        if (top > core_.cache->synced_rev(id)) core_.cache->set_synced_rev(id, top);
        if (page.has_more && top > after) {
          sync_page(id, run, top);
          return;
        }
        finish(id, run);
      });
}

void Sync::page_failed(core::ConversationId id, int run, const core::Error& error) {
  if (!is_transient(error)) {
    // not_member / not_found: the conversation went away; the next conv.list shows it.
    qCInfo(lcSync) << "catching up conversation" << id.value() << "failed:" << text(error);
  }
  finish(id, run);
}

void Sync::finish(core::ConversationId id, int run) {
  auto it = running_.find(id);
  if (it == running_.end() || it->second.run != run) return;
  if (it->second.again && core_.authenticated) {
    it->second.again = false;
    step(id, run, true);
    return;
  }
  auto waiters = std::move(it->second.waiters);
  running_.erase(it);
  for (auto& waiter : waiters) waiter();
}

void Sync::load_older(core::ConversationId id, core::Seq before) {
  MessageListModel* open = core_.model(id);
  if (!open || !core_.cache) return;
  auto page = contiguous_tail(core_.cache->messages_before(id, before, kPageSize), before);
  const bool reaches_first =
      !page.empty() ? page.front().seq.value() <= 1 : (before.is_valid() && before.value() <= 1);
  const ConversationRow* row = core_.row(id);
  const bool conversation_empty =
      row && !row->summary.conversation.conversation.last_seq.is_valid();
  if (static_cast<int>(page.size()) >= kPageSize || reaches_first || conversation_empty) {
    open->prepend_older(std::move(page), !reaches_first && !conversation_empty);
    return;
  }
  if (!core_.authenticated) {
    // Offline: what the cache has, and another try later.
    if (page.empty()) {
      open->older_failed();
    } else {
      open->prepend_older(std::move(page), true);
    }
    return;
  }
  protocol::GetHistory body{id, before.is_valid() ? std::optional(before) : std::nullopt,
                            std::nullopt, kPageSize};
  core_.call<protocol::MessagesResult>(
      std::move(body), [this, id, before](core::Result<protocol::MessagesResult> result) {
        MessageListModel* model = core_.model(id);
        if (!model) return;
        const core::Message* first = model->rowCount() > 0 ? model->message_at(0) : nullptr;
        const core::Seq first_seq = first ? first->seq : core::Seq{};
        if (!result.ok() || first_seq != before) {
          // Failed, or the model was refilled meanwhile: the view may ask again.
          model->older_failed();
          return;
        }
        auto& messages = result.value().messages;
        core_.cache->save_messages(messages);
        std::vector<core::UserId> senders;
        for (const auto& message : messages) senders.push_back(message.sender_id);
        users_.want(senders);
        model->prepend_older(std::move(messages), result.value().has_more);
      });
}

}  // namespace messenger::client::detail
