#include "session_core.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMetaObject>
#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "messenger/protocol/codec.h"
#include "messenger/protocol/server_frame.h"

namespace messenger::client::detail {
namespace {

constexpr std::string_view kMeKey = "me";
constexpr std::string_view kSettingsKey = "settings";
constexpr auto kMutedKey = "muted_conversations";
constexpr int kPreviewChars = 120;
/// Past this many messages after the read marker the unread count is not recounted from the
/// cache (the server's count is kept, or the distance to the newest message).
constexpr std::int64_t kMaxRecount = 10'000;

// `me` is kept in the cache as the protocol's own encoding of a user.result, so it is written
// and read by the same code as on the wire.
std::string encode_me(const protocol::UserView& me) {
  return protocol::encode_result("0", protocol::UserResult{me});
}

std::optional<protocol::UserView> decode_me(const std::string& text) {
  auto frame = protocol::ServerFrame::parse(text);
  if (!frame.ok()) return std::nullopt;
  auto result = frame.value().result_as<protocol::UserResult>();
  if (!result.ok()) return std::nullopt;
  return std::move(result.value().user);
}

core::Seq last_message_seq(const protocol::ConversationSummary& summary) {
  return summary.last_message ? summary.last_message->seq : core::Seq{};
}

bool same_view(const ConversationRow& a, const ConversationRow& b) {
  return a.title == b.title && a.last_text == b.last_text && a.presence == b.presence &&
         a.muted == b.muted;
}

}  // namespace

std::vector<core::Message> contiguous_tail(std::vector<core::Message> page, core::Seq before) {
  std::size_t start = page.size();
  std::int64_t expect =
      before.is_valid() ? before.value() - 1 : (page.empty() ? 0 : page.back().seq.value());
  while (start > 0 && page[start - 1].seq.value() == expect) {
    --start;
    --expect;
  }
  page.erase(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(start));
  return page;
}

std::string to_json_text(const QJsonObject& object) {
  return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

QJsonObject settings_from_json(const std::string& text) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
}

SessionCore::SessionCore(Session& session, const QString& profile_dir)
    : q(session),
      logins(profile_dir),
      connection(std::make_unique<Connection>()),
      conversations(std::make_unique<ConversationListModel>()) {}

SessionCore::~SessionCore() {
  // Handlers that Connection fails while it closes must see a dead account.
  account.reset();
  connection.reset();
  for (auto& [id, model] : models) delete model;
}

core::Status SessionCore::open_cache() {
  const QString file = logins.cache_file(server, username);
  auto opened = LocalCache::open(std::filesystem::path(file.toStdU16String()));
  if (!opened.ok()) return opened.error();
  cache = std::move(opened.value());
  return core::Ok{};
}

void SessionCore::load_from_cache() {
  users.clear();
  for (auto& user : cache->users()) users[user.user.id] = user;
  if (const auto text = cache->value(kMeKey)) {
    if (auto user = decode_me(*text)) me = std::move(*user);
  }
  if (const auto text = cache->value(kSettingsKey)) settings = settings_from_json(*text);
  std::vector<ConversationRow> rows;
  for (auto& summary : cache->conversations()) rows.push_back(make_row(std::move(summary)));
  conversations->reset(std::move(rows));
  update_unread_total();
}

void SessionCore::reset_account() {
  ++*account;
  for (auto& [id, model] : models) {
    QObject::disconnect(model, nullptr, &q, nullptr);
    model->deleteLater();  // a view may still hold it until it handles signedOut()
  }
  models.clear();
  conversations->reset({});
  users.clear();
  me = {};
  settings = {};
  settings_dirty = false;
  pending_reads.clear();
  cache.reset();
  token.clear();
  server = QUrl();
  username.clear();
  signed_in = false;
  authenticated = false;
  ever_authenticated = false;
  away = false;
  update_unread_total();
  update_state();
}

void SessionCore::set_me(const protocol::UserView& user) {
  me = user;
  users[user.user.id] = user;
  if (cache) {
    cache->set_value(kMeKey, encode_me(user));
    cache->save_users({user});
  }
}

ConnectionState SessionCore::state() const {
  if (authenticated) return ConnectionState::ready;
  if (!cache || connection->state() == ConnectionState::offline) return ConnectionState::offline;
  // A socket that said hello but is not logged in yet is still "connecting" for the widgets.
  return ConnectionState::connecting;
}

void SessionCore::update_state() {
  const ConnectionState now = state();
  if (now == last_state_) return;
  last_state_ = now;
  emit q.connectionStateChanged(now);
}

ConversationRow SessionCore::make_row(protocol::ConversationSummary summary) const {
  ConversationRow row;
  const core::Conversation& conversation = summary.conversation.conversation;
  const bool direct = conversation.kind == core::ConversationKind::direct;
  std::optional<core::UserId> other;
  if (direct) {
    for (const auto& member : summary.conversation.members) {
      if (member.user_id != me.user.id) {
        other = member.user_id;
        break;
      }
    }
  }
  if (!conversation.name.empty()) {
    row.title = QString::fromStdString(conversation.name);
  } else if (other) {
    row.title = display_name(*other);
  } else {
    row.title = Session::tr("Conversation %1").arg(conversation.id.value());
  }
  if (other) {
    if (auto it = users.find(*other); it != users.end()) row.presence = it->second.presence;
  }
  if (summary.last_message) {
    const core::Message& last = *summary.last_message;
    QString text = last.deleted ? Session::tr("Message deleted")
                                : QString::fromStdString(last.text).simplified();
    if (text.size() > kPreviewChars) text = text.left(kPreviewChars) + QChar(0x2026);
    if (last.sender_id == me.user.id) {
      row.last_text = Session::tr("You: %1").arg(text);
    } else if (!direct) {
      row.last_text = display_name(last.sender_id) + ": " + text;
    } else {
      row.last_text = text;
    }
  }
  row.muted = is_muted(conversation.id);
  row.summary = std::move(summary);
  return row;
}

void SessionCore::replace_conversations(std::vector<protocol::ConversationSummary> summaries) {
  std::unordered_set<core::ConversationId> listed;
  for (const auto& summary : summaries) listed.insert(summary.conversation.conversation.id);
  cache->replace_conversations(summaries);  // drops the others with their messages

  if (conversations->rows().empty()) {
    std::vector<ConversationRow> rows;
    for (auto& summary : summaries) rows.push_back(make_row(std::move(summary)));
    conversations->reset(std::move(rows));
  } else {
    // Row by row, so that the views keep their selection and scroll position.
    std::vector<core::ConversationId> gone;
    for (const auto& row : conversations->rows()) {
      const core::ConversationId id = row.summary.conversation.conversation.id;
      if (!listed.contains(id)) gone.push_back(id);
    }
    for (const auto id : gone) conversations->remove(id);
    for (auto& summary : summaries) conversations->upsert(make_row(std::move(summary)));
  }
  for (const auto id : listed) emit q.conversationChanged(id);
  update_unread_total();
}

void SessionCore::upsert_conversation(protocol::ConversationSummary summary) {
  const core::ConversationId id = summary.conversation.conversation.id;
  if (cache) cache->save_conversation(summary);
  conversations->upsert(make_row(std::move(summary)));
  emit q.conversationChanged(id);
  update_unread_total();
}

void SessionCore::upsert_details(const protocol::ConversationDetails& details) {
  const core::ConversationId id = details.conversation.id;
  core::Seq my_marker;
  for (const auto& member : details.members) {
    if (member.user_id == me.user.id) my_marker = member.last_read;
  }
  protocol::ConversationSummary summary;
  if (const ConversationRow* known = row(id)) {
    summary = known->summary;
    core::Conversation& mine = summary.conversation.conversation;
    const core::Conversation& theirs = details.conversation;
    // An event may be older than the messages applied meanwhile: counters only move forward.
    const core::Seq last_seq = std::max(mine.last_seq, theirs.last_seq);
    const core::Rev last_rev = std::max(mine.last_rev, theirs.last_rev);
    const core::TimestampMs last_activity = std::max(mine.last_activity, theirs.last_activity);
    summary.conversation = details;
    mine.last_seq = last_seq;
    mine.last_rev = last_rev;
    mine.last_activity = last_activity;
  } else {
    summary.conversation = details;
    summary.last_read = my_marker;
    // The newest cached message (if any) until the conversation is synced.
    if (cache) {
      auto newest = cache->messages_before(id, core::Seq{}, 1);
      if (!newest.empty()) summary.last_message = newest.back();
    }
  }
  upsert_conversation(std::move(summary));
  if (my_marker > row(id)->summary.last_read) set_read(id, my_marker);
}

void SessionCore::remove_conversation(core::ConversationId id) {
  if (cache) cache->remove_conversation(id);
  conversations->remove(id);
  pending_reads.erase(id);
  emit q.conversationChanged(id);
  update_unread_total();
}

void SessionCore::refresh_rows() {
  for (const auto& existing : std::vector<ConversationRow>(conversations->rows())) {
    ConversationRow fresh = make_row(existing.summary);
    if (same_view(existing, fresh)) continue;
    const core::ConversationId id = existing.summary.conversation.conversation.id;
    conversations->upsert(std::move(fresh));
    emit q.conversationChanged(id);
  }
  update_unread_total();
}

void SessionCore::set_read(core::ConversationId id, core::Seq seq) {
  const ConversationRow* known = row(id);
  if (!known || seq <= known->summary.last_read) return;  // a marker never moves back
  protocol::ConversationSummary summary = known->summary;
  summary.last_read = seq;
  for (auto& member : summary.conversation.members) {
    if (member.user_id == me.user.id) member.last_read = std::max(member.last_read, seq);
  }
  const core::Seq newest =
      std::max(summary.conversation.conversation.last_seq, last_message_seq(summary));
  const std::int64_t after = newest.value() - seq.value();
  if (after <= 0) {
    summary.unread = 0;
  } else {
    std::int64_t unread = std::min(summary.unread, after);
    if (cache && after <= kMaxRecount) {
      const auto cached = cache->messages_after(id, seq, static_cast<int>(after));
      if (static_cast<std::int64_t>(cached.size()) == after) {  // nothing missing: count exactly
        unread = std::count_if(cached.begin(), cached.end(), [&](const core::Message& m) {
          return !m.deleted && m.sender_id != me.user.id;
        });
      }
    }
    summary.unread = unread;
  }
  upsert_conversation(std::move(summary));
}

std::int64_t SessionCore::unread_total() const {
  std::int64_t total = 0;
  for (const auto& row : conversations->rows()) {
    if (!row.muted) total += row.summary.unread;
  }
  return total;
}

void SessionCore::update_unread_total() {
  const std::int64_t total = unread_total();
  if (total == last_unread_total_) return;
  last_unread_total_ = total;
  emit q.unreadTotalChanged(total);
}

void SessionCore::save_users(const std::vector<protocol::UserView>& list) {
  if (list.empty()) return;
  for (const auto& user : list) {
    users[user.user.id] = user;
    if (user.user.id == me.user.id) set_me(user);
  }
  if (cache) cache->save_users(list);
  refresh_rows();
  for (auto& [id, model] : models) model->refresh_names();
  for (const auto& user : list) emit q.userChanged(user.user.id);
}

QString SessionCore::display_name(core::UserId id) const {
  if (auto it = users.find(id); it != users.end()) {
    const core::User& user = it->second.user;
    if (!user.profile.display_name.empty()) {
      return QString::fromStdString(user.profile.display_name);
    }
    if (!user.username.empty()) return QString::fromStdString(user.username);
  }
  return Session::tr("User %1").arg(id.value());
}

std::vector<core::UserId> SessionCore::member_ids() const {
  std::unordered_set<core::UserId> ids;
  if (me.user.id.is_valid()) ids.insert(me.user.id);
  for (const auto& row : conversations->rows()) {
    for (const auto& member : row.summary.conversation.members) ids.insert(member.user_id);
  }
  std::vector<core::UserId> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

void SessionCore::apply_messages(core::ConversationId id,
                                 const std::vector<core::Message>& messages) {
  if (messages.empty() || !cache) return;
  std::optional<protocol::ConversationSummary> summary;
  if (const ConversationRow* known = row(id)) summary = known->summary;
  if (summary) {
    core::Conversation& conversation = summary->conversation.conversation;
    for (const core::Message& m : messages) {
      const bool unread_kind = m.sender_id != me.user.id && m.seq > summary->last_read;
      const core::Seq last = last_message_seq(*summary);
      if (m.seq > last) {
        summary->last_message = m;
        if (unread_kind && !m.deleted) ++summary->unread;
      } else if (m.seq == last) {
        if (m.rev > summary->last_message->rev) {
          if (unread_kind && m.deleted && !summary->last_message->deleted && summary->unread > 0) {
            --summary->unread;
          }
          summary->last_message = m;
        }
      } else if (unread_kind && m.deleted && summary->unread > 0) {
        // An older unread message was deleted; it was counted if the cache has it undeleted.
        const auto before = cache->messages_after(id, core::Seq(m.seq.value() - 1), 1);
        if (!before.empty() && before.front().seq == m.seq && !before.front().deleted &&
            before.front().rev < m.rev) {
          --summary->unread;
        }
      }
      conversation.last_seq = std::max(conversation.last_seq, m.seq);
      conversation.last_rev = std::max(conversation.last_rev, m.rev);
      conversation.last_activity = std::max(conversation.last_activity, m.created_at);
    }
  }
  cache->save_messages(messages);
  if (MessageListModel* open = model(id)) {
    for (const core::Message& m : messages) {
      // A history page may be older than an event that came before it.
      const int at = open->row_of(m.seq);
      if (at >= 0 && open->message_at(at)->rev > m.rev) continue;
      open->apply(m);
    }
  }
  if (summary) upsert_conversation(std::move(*summary));
  if (want_users) {
    std::vector<core::UserId> senders;
    for (const core::Message& m : messages) senders.push_back(m.sender_id);
    want_users(senders);
  }
}

bool SessionCore::advance_synced_rev(core::ConversationId id, core::Rev rev) {
  if (!cache) return true;
  const core::Rev synced = cache->synced_rev(id);
  if (rev <= synced) return true;
  if (rev.value() == synced.value() + 1) {
    cache->set_synced_rev(id, rev);
    return true;
  }
  return false;
}

MessageListModel* SessionCore::model(core::ConversationId id) const {
  const auto it = models.find(id);
  return it == models.end() ? nullptr : it->second;
}

void SessionCore::show_pending(core::ConversationId id) {
  MessageListModel* open = model(id);
  if (!open || !cache) return;
  std::vector<OutboxEntry> pending;
  for (auto& entry : cache->outbox()) {
    if (entry.conversation_id == id) pending.push_back(std::move(entry));
  }
  open->set_pending(pending);
}

void SessionCore::reload_model(core::ConversationId id) {
  MessageListModel* open = model(id);
  if (!open || !cache) return;
  auto page = contiguous_tail(cache->messages_before(id, core::Seq{}, kPageSize), core::Seq{});
  // Anything older, in the cache or on the server, lies before the first seq of the page.
  const bool has_older = !page.empty() && page.front().seq.value() > 1;
  open->reset(std::move(page), has_older);
  show_pending(id);
}

bool SessionCore::is_muted(core::ConversationId id) const {
  const QJsonArray muted = settings.value(kMutedKey).toArray();
  return std::any_of(muted.begin(), muted.end(),
                     [&](const QJsonValue& value) { return value.toInteger() == id.value(); });
}

void SessionCore::apply_settings(const QJsonObject& document) {
  settings = document;
  if (cache) cache->set_value(kSettingsKey, to_json_text(document));
  refresh_rows();
  emit q.settingsChanged();
}

}  // namespace messenger::client::detail
