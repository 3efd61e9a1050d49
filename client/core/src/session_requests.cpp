// The Session's requests on behalf of the widgets: messages, conversations, people, me.
#include <QJsonArray>
#include <QLoggingCategory>

#include "messenger/client/session.h"
#include "session_impl.h"

namespace messenger::client {
namespace {

Q_LOGGING_CATEGORY(lcRequests, "messenger.client.session")

constexpr int kListLimit = 50;  // conv.browse and directory.search page
constexpr auto kMutedKey = "muted_conversations";

core::Error offline() {
  return core::make_error(core::Errc::unavailable, "not connected to the server");
}

template <typename T>
void reply(const Session::Callback<T>& done, core::Result<T> result) {
  if (done) done(std::move(result));
}

core::Seq newest_seq(const protocol::ConversationSummary& summary) {
  const core::Seq last = summary.conversation.conversation.last_seq;
  return summary.last_message ? std::max(last, summary.last_message->seq) : last;
}

}  // namespace

// ---- messages ----

QString Session::send_message(core::ConversationId id, const QString& text) {
  return impl_->outbox.add(id, text);
}

void Session::retry_message(const QString& client_msg_id) {
  impl_->outbox.retry(client_msg_id);
}

void Session::discard_message(const QString& client_msg_id) {
  impl_->outbox.discard(client_msg_id);
}

void Session::edit_message(core::ConversationId id, core::Seq seq, const QString& text,
                           Callback<core::Message> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::MessageResult>(
      protocol::EditMessage{id, seq, text.toStdString()},
      [this, id, done = std::move(done)](core::Result<protocol::MessageResult> result) {
        if (!result.ok()) return reply(done, core::Result<core::Message>(result.error()));
        const core::Message& message = result.value().message;
        impl_->core.apply_messages(id, {message});
        if (!impl_->core.advance_synced_rev(id, message.rev)) impl_->sync.catch_up(id, true);
        reply(done, core::Result<core::Message>(message));
      });
}

void Session::delete_message(core::ConversationId id, core::Seq seq, Callback<core::Message> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::MessageResult>(
      protocol::DeleteMessage{id, seq},
      [this, id, done = std::move(done)](core::Result<protocol::MessageResult> result) {
        if (!result.ok()) return reply(done, core::Result<core::Message>(result.error()));
        const core::Message& message = result.value().message;
        impl_->core.apply_messages(id, {message});
        if (!impl_->core.advance_synced_rev(id, message.rev)) impl_->sync.catch_up(id, true);
        reply(done, core::Result<core::Message>(message));
      });
}

void Session::mark_read(core::ConversationId id) {
  detail::SessionCore& core = impl_->core;
  const ConversationRow* row = core.row(id);
  if (!row) return;
  const core::Seq seq = newest_seq(row->summary);
  if (!seq.is_valid() || (seq <= row->summary.last_read && row->summary.unread == 0)) return;
  if (seq <= row->summary.last_read) {
    protocol::ConversationSummary summary = row->summary;  // marker right, count stale
    summary.unread = 0;
    core.upsert_conversation(std::move(summary));
  } else {
    core.set_read(id, seq);
  }
  if (!core.authenticated) {
    core.pending_reads[id] = seq;  // sent after the next conv.list
    return;
  }
  core.call<protocol::EmptyResult>(protocol::MarkRead{id, seq},
                                   [this, id, seq](const core::Result<protocol::EmptyResult>& r) {
                                     if (!r.ok() && detail::is_transient(r.error()))
                                       impl_->core.pending_reads[id] = seq;
                                   });
}

void Session::notify_typing(core::ConversationId id) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated || !core.row(id) || !impl_->typing.may_send(id)) return;
  core.call<protocol::TypingResult>(protocol::Typing{id},
                                    [](const core::Result<protocol::TypingResult>&) {});
}

void Session::set_draft(core::ConversationId id, const QString& text) {
  if (impl_->core.cache) impl_->core.cache->set_draft(id, text.toStdString());
}

QString Session::draft(core::ConversationId id) const {
  if (!impl_->core.cache) return {};
  return QString::fromStdString(impl_->core.cache->draft(id));
}

// ---- conversations and people ----

void Session::open_direct(core::UserId user, Callback<core::ConversationId> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::ConversationResult>(
      protocol::OpenDirect{user},
      [this, done = std::move(done)](core::Result<protocol::ConversationResult> result) {
        if (!result.ok()) return reply(done, core::Result<core::ConversationId>(result.error()));
        impl_->adopt(result.value().conversation);
        reply(done,
              core::Result<core::ConversationId>(result.value().conversation.conversation.id));
      });
}

void Session::create_conversation(core::ConversationKind kind, const QString& name,
                                  const QString& topic, const std::vector<core::UserId>& members,
                                  Callback<core::ConversationId> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::ConversationResult>(
      protocol::CreateConversation{kind, name.toStdString(), topic.toStdString(), members},
      [this, done = std::move(done)](core::Result<protocol::ConversationResult> result) {
        if (!result.ok()) return reply(done, core::Result<core::ConversationId>(result.error()));
        impl_->adopt(result.value().conversation);
        reply(done,
              core::Result<core::ConversationId>(result.value().conversation.conversation.id));
      });
}

void Session::browse_channels(const QString& query,
                              Callback<std::vector<protocol::ChannelInfo>> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::ChannelsResult>(
      protocol::BrowseChannels{query.toStdString(), kListLimit},
      [done = std::move(done)](core::Result<protocol::ChannelsResult> result) {
        using Channels = std::vector<protocol::ChannelInfo>;
        if (!result.ok()) return reply(done, core::Result<Channels>(result.error()));
        reply(done, core::Result<Channels>(std::move(result.value().channels)));
      });
}

void Session::join(core::ConversationId id, Callback<core::Ok> done) {
  impl_->conversation_request(protocol::Join{id}, std::move(done));
}

void Session::invite(core::ConversationId id, const std::vector<core::UserId>& users,
                     Callback<core::Ok> done) {
  impl_->conversation_request(protocol::Invite{id, users}, std::move(done));
}

void Session::set_topic(core::ConversationId id, const QString& topic, Callback<core::Ok> done) {
  impl_->conversation_request(protocol::SetTopic{id, topic.toStdString()}, std::move(done));
}

void Session::leave(core::ConversationId id, Callback<core::Ok> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::ConversationResult>(
      protocol::Leave{id},
      [this, id, done = std::move(done)](core::Result<protocol::ConversationResult> result) {
        if (!result.ok()) return reply(done, core::Status(result.error()));
        impl_->core.remove_conversation(id);
        reply(done, core::Status(core::Ok{}));
      });
}

void Session::search_directory(const QString& query,
                               Callback<std::vector<protocol::UserView>> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  core.call<protocol::UsersResult>(
      protocol::SearchDirectory{query.toStdString(), {}, kListLimit, core::UserId{}},
      [this, done = std::move(done)](core::Result<protocol::UsersResult> result) {
        using Users = std::vector<protocol::UserView>;
        if (!result.ok()) return reply(done, core::Result<Users>(result.error()));
        impl_->core.save_users(result.value().users);
        reply(done, core::Result<Users>(std::move(result.value().users)));
      });
}

// ---- me ----

void Session::set_away(bool away) {
  detail::SessionCore& core = impl_->core;
  if (core.away == away) return;
  core.away = away;  // presence is per socket: set again after each reconnect
  if (!core.authenticated) return;
  core.call<protocol::EmptyResult>(
      protocol::SetPresence{away ? protocol::PresenceState::away : protocol::PresenceState::online},
      [](const core::Result<protocol::EmptyResult>&) {});
}

void Session::set_status_text(const QString& text, Callback<core::Ok> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.authenticated) return core.fail_later(done, offline());
  protocol::UpdateProfile body;
  body.status_text = text.toStdString();
  core.call<protocol::UserResult>(
      std::move(body), [this, done = std::move(done)](core::Result<protocol::UserResult> result) {
        if (!result.ok()) return reply(done, core::Status(result.error()));
        impl_->core.save_users({result.value().user});
        reply(done, core::Status(core::Ok{}));
      });
}

QJsonObject Session::settings() const {
  return impl_->core.settings;
}

void Session::set_settings(const QJsonObject& settings, Callback<core::Ok> done) {
  detail::SessionCore& core = impl_->core;
  if (!core.cache) {
    return core.fail_later(done, core::make_error(core::Errc::unavailable, "not signed in"));
  }
  const std::string json = detail::to_json_text(settings);
  if (json.size() > limits().max_settings_bytes) {
    return core.fail_later(
        done,
        core::make_error(core::Errc::too_large, "the settings have " + std::to_string(json.size()) +
                                                    " bytes; the server accepts at most " +
                                                    std::to_string(limits().max_settings_bytes)));
  }
  core.settings_dirty = true;
  core.apply_settings(settings);
  if (!core.authenticated) {
    // Kept: the next sync stores it.
    return core.fail_later(
        done, core::make_error(core::Errc::unavailable,
                               "not connected to the server; the settings are kept here and "
                               "saved when the connection is back"));
  }
  core.call<protocol::EmptyResult>(
      protocol::SetSettings{json},
      [this, json, done = std::move(done)](const core::Result<protocol::EmptyResult>& r) {
        detail::SessionCore& c = impl_->core;
        const bool current = detail::to_json_text(c.settings) == json;
        if (r.ok()) {
          if (current) c.settings_dirty = false;
          return reply(done, core::Status(core::Ok{}));
        }
        if (!detail::is_transient(r.error())) {
          qCWarning(lcRequests) << "settings.set refused:"
                                << QString::fromStdString(r.error().message);
          if (current) {
            // What is shown must be what is stored: the server's document comes back.
            c.settings_dirty = false;
            c.call<protocol::SettingsResult>(
                protocol::GetSettings{}, [this](core::Result<protocol::SettingsResult> stored) {
                  detail::SessionCore& now = impl_->core;
                  if (!stored.ok() || now.settings_dirty) return;
                  const QJsonObject document =
                      detail::settings_from_json(stored.value().settings_json);
                  if (document != now.settings) now.apply_settings(document);
                });
          }
        }
        // A transient failure leaves the document dirty: the next sync stores it.
        reply(done, core::Status(r.error()));
      });
}

bool Session::is_muted(core::ConversationId id) const {
  return impl_->core.is_muted(id);
}

void Session::set_muted(core::ConversationId id, bool muted) {
  if (is_muted(id) == muted) return;
  QJsonObject document = impl_->core.settings;
  QJsonArray list = document.value(kMutedKey).toArray();
  if (muted) {
    list.append(static_cast<qint64>(id.value()));
  } else {
    for (qsizetype i = list.size() - 1; i >= 0; --i) {
      if (list.at(i).toInteger() == id.value()) list.removeAt(i);
    }
  }
  document.insert(kMutedKey, list);
  set_settings(document);
}

}  // namespace messenger::client
