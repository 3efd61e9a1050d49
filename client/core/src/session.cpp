#include "messenger/client/session.h"

#include <QDir>

#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"
#include "session_impl.h"

namespace messenger::client {

Session::Impl::Impl(Session& session, const QString& profile_dir)
    : core(session, profile_dir),
      users(core),
      typing([&session](core::ConversationId id) { emit session.typingChanged(id); }),
      outbox(core),
      sync(core, outbox, users),
      events(core, sync, typing, users),
      sign_in(core, sync, [this] { reset(); }) {
  core.catch_up = [this](core::ConversationId id) { sync.catch_up(id, true); };
  core.want_users = [this](const std::vector<core::UserId>& ids) { users.want(ids); };
  Connection* connection = core.connection.get();
  QObject::connect(connection, &Connection::ready, &session, [this] { sign_in.on_ready(); });
  QObject::connect(connection, &Connection::eventReceived, &session,
                   [this](const protocol::ServerEvent& event) { events.handle(event); });
  QObject::connect(connection, &Connection::stateChanged, &session,
                   [this](ConnectionState state) { on_state(state); });
  QObject::connect(connection, &Connection::connectFailed, &session,
                   [this](const QString& message) { sign_in.on_connect_failed(message); });
  QObject::connect(connection, &Connection::certificateRejected, &session,
                   [this](const QString& fingerprint, bool mismatch) {
                     sign_in.on_certificate_rejected(fingerprint, mismatch);
                   });
  QObject::connect(connection, &Connection::fatalError, &session,
                   [this](const core::Error& error) { sign_in.on_fatal_error(error); });
  QObject::connect(connection, &Connection::closed, &session,
                   [this](int code, const QString& reason) { sign_in.on_closed(code, reason); });
}

Session::Impl::~Impl() {
  // The connection goes first, while every part still exists: it may signal and fail its
  // pending requests as it closes, and nothing of the account may react any more.
  QObject::disconnect(core.connection.get(), nullptr, nullptr, nullptr);
  core.account.reset();
  core.connection.reset();
}

void Session::Impl::reset() {
  outbox.close();
  sync.reset();
  events.reset();
  users.reset();
  typing.clear();
  core.reset_account();
}

void Session::Impl::on_state(ConnectionState state) {
  if (state != ConnectionState::ready && core.authenticated) {
    core.authenticated = false;
    sync.stop();
    outbox.close();
  }
  core.update_state();
}

void Session::Impl::adopt(const protocol::ConversationDetails& details) {
  core.upsert_details(details);
  std::vector<core::UserId> members;
  for (const auto& member : details.members) members.push_back(member.user_id);
  users.want(members);
  sync.catch_up(details.conversation.id, false);
}

void Session::Impl::conversation_request(protocol::RequestBody body, Callback<core::Ok> done) {
  if (!core.authenticated) {
    core.fail_later(done, core::make_error(core::Errc::unavailable, "not connected to the server"));
    return;
  }
  core.call<protocol::ConversationResult>(
      std::move(body),
      [this, done = std::move(done)](core::Result<protocol::ConversationResult> result) {
        if (!result.ok()) {
          if (done) done(core::Status(result.error()));
          return;
        }
        adopt(result.value().conversation);
        if (done) done(core::Status(core::Ok{}));
      });
}

Session::Session(const QString& profile_dir, QObject* parent)
    : QObject(parent), impl_(std::make_unique<Impl>(*this, QDir(profile_dir).absolutePath())) {}

Session::~Session() = default;

void Session::sign_in(const SignInRequest& request) {
  impl_->sign_in.sign_in(request);
}

std::optional<SavedLogin> Session::saved_login() const {
  return impl_->sign_in.saved_login();
}

bool Session::resume_saved() {
  return impl_->sign_in.resume_saved();
}

void Session::trust_certificate(const QString& sha256_fingerprint) {
  impl_->sign_in.trust_certificate(sha256_fingerprint);
}

void Session::sign_out() {
  impl_->sign_in.sign_out();
}

bool Session::signed_in() const {
  return impl_->core.signed_in;
}

ConnectionState Session::connection_state() const {
  return impl_->core.state();
}

const protocol::UserView& Session::me() const {
  return impl_->core.me;
}

QUrl Session::server() const {
  return impl_->core.server;
}

ConversationListModel* Session::conversations() const {
  return impl_->core.conversations.get();
}

MessageListModel* Session::messages(core::ConversationId id) {
  detail::SessionCore& core = impl_->core;
  if (MessageListModel* open = core.model(id)) return open;
  auto* model = new MessageListModel(id, core.me.user.id, this);
  model->set_name_lookup([&core](core::UserId user) { return core.display_name(user); });
  core.models[id] = model;
  connect(model, &MessageListModel::olderRequested, this,
          [this, id](core::Seq before) { impl_->sync.load_older(id, before); });
  core.reload_model(id);
  return model;
}

std::optional<protocol::ConversationSummary> Session::conversation(core::ConversationId id) const {
  const ConversationRow* row = impl_->core.row(id);
  if (!row) return std::nullopt;
  return row->summary;
}

std::optional<protocol::UserView> Session::user(core::UserId id) const {
  const auto& users = impl_->core.users;
  const auto it = users.find(id);
  if (it == users.end()) {
    impl_->users.want({id});
    return std::nullopt;
  }
  return it->second;
}

QString Session::display_name(core::UserId id) const {
  if (!impl_->core.users.contains(id)) impl_->users.want({id});
  return impl_->core.display_name(id);
}

void Session::fetch_user(core::UserId id) {
  impl_->users.fetch({id});
}

const protocol::Limits& Session::limits() const {
  return impl_->core.connection->server_hello().limits;
}

QString Session::title(core::ConversationId id) const {
  const ConversationRow* row = impl_->core.row(id);
  return row ? row->title : tr("Conversation %1").arg(id.value());
}

std::vector<core::UserId> Session::typing_users(core::ConversationId id) const {
  return impl_->typing.users(id);
}

std::int64_t Session::unread_total() const {
  return impl_->core.unread_total();
}

Connection& Session::connection() const {
  return *impl_->core.connection;
}

void Session::set_reconnect_backoff(Backoff backoff) {
  impl_->core.backoff = backoff;
}

}  // namespace messenger::client
