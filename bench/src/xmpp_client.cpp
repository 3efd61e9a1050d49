#include "xmpp_client.h"

#include <array>
#include <charconv>

#include "frame_parser.h"
#include "proc_stats.h"
#include "ws_connection.h"

namespace messenger::bench {
namespace {

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto v = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U) |
                   (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[(v >> 18U) & 63U]);
    out.push_back(kAlphabet[(v >> 12U) & 63U]);
    out.push_back(kAlphabet[(v >> 6U) & 63U]);
    out.push_back(kAlphabet[v & 63U]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  unsigned v = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U;
  if (rest == 2) v |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
  out.push_back(kAlphabet[(v >> 18U) & 63U]);
  out.push_back(kAlphabet[(v >> 12U) & 63U]);
  out.push_back(rest == 2 ? kAlphabet[(v >> 6U) & 63U] : '=');
  out.push_back('=');
}

void append_uint(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool parse_host_port(std::string_view text, tcp::endpoint& endpoint, std::string& error) {
  Target target;
  if (!parse_ws_url("ws://" + std::string(text) + "/", target, error)) {
    error = "HOST:PORT expected (" + error + ")";
    return false;
  }
  endpoint = target.endpoint;
  return true;
}

XmppClient::XmppClient(asio::any_io_executor executor, const XmppTarget& target)
    : executor_(executor), target_(target), connection_(std::move(executor), *this) {}

XmppClient::~XmppClient() = default;

void XmppClient::start(const Account& account, ReplyHandler done) {
  username_ = account.username;
  password_ = account.password;
  on_started_ = std::move(done);
  step_ = Step::connecting;
  connection_.connect(target_.endpoint);
}

void XmppClient::register_account(const Account& account, ReplyHandler done) {
  register_only_ = true;
  start(account, std::move(done));
}

void XmppClient::open_stream() {
  // No XML declaration: it is optional, and some servers reject a second one after a restart.
  std::string& out = connection_.out();
  out.append("<stream:stream to='");
  append_escaped(out, target_.domain);
  out.append(
      "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "version='1.0'>");
  connection_.flush();
}

void XmppClient::on_connected() {
  step_ = Step::features;
  open_stream();
}

void XmppClient::on_stream_open() {}

void XmppClient::on_stanza(std::string_view stanza) {
  const std::int64_t now = now_ns();
  if (!scan_stanza(stanza, info_)) {
    if (observer_ != nullptr) observer_->on_problem(*this, "unreadable stanza");
    return;
  }
  const std::string_view name = info_.name;
  if (name == "message") {
    if (info_.type == "error") {
      if (observer_ != nullptr) {
        observer_->on_problem(*this, "message error: " + std::string(info_.condition));
      }
    } else if (!info_.body.empty() && observer_ != nullptr) {
      observer_->on_message(*this, info_, now);
    }
    return;
  }
  if (name == "presence") return on_presence();
  if (name == "iq") return on_iq();
  if (name == "features") return on_features();
  if (name == "success" && step_ == Step::authenticating) {
    step_ = Step::restarted;
    connection_.restart_stream();
    return open_stream();
  }
  if (name == "failure" && step_ == Step::authenticating) {
    return finish_start(false, "sasl: " + std::string(info_.condition));
  }
  if (name == "error") {
    const std::string code = "stream error: " + std::string(info_.condition);
    if (step_ != Step::ready) return finish_start(false, code);
    if (observer_ != nullptr) observer_->on_problem(*this, code);
  }
}

void XmppClient::on_features() {
  std::string& out = connection_.out();
  if (step_ == Step::features) {
    if (register_only_) {
      if (!info_.can_register) {
        return finish_start(false, "no in-band registration",
                            "the server does not offer XEP-0077 registration to this client");
      }
      step_ = Step::registering;
      out.append("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>");
      append_escaped(out, username_);
      out.append("</username><password>");
      append_escaped(out, password_);
      out.append("</password></query></iq>");
      return connection_.flush();
    }
    if (!info_.mechanism_plain) {
      return finish_start(false, "no PLAIN",
                          "the server does not offer SASL PLAIN on this stream (TLS required?)");
    }
    step_ = Step::authenticating;
    std::string credentials;
    credentials.push_back('\0');
    credentials.append(username_);
    credentials.push_back('\0');
    credentials.append(password_);
    out.append("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>");
    append_base64(out, credentials);
    out.append("</auth>");
    return connection_.flush();
  }
  if (step_ == Step::restarted) {
    if (!info_.bind) return finish_start(false, "no bind", "the server offers no resource binding");
    session_required_ = info_.session_required;
    step_ = Step::binding;
    out.append(
        "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>");
    append_escaped(out, target_.resource);
    out.append("</resource></bind></iq>");
    connection_.flush();
  }
}

void XmppClient::on_iq() {
  const bool result = info_.type == "result";
  if (step_ == Step::registering && info_.id == "reg") {
    if (result) return finish_start(true, {}, "created");
    if (info_.condition == "conflict") return finish_start(true, {}, "exists");
    return finish_start(false, "register: " + std::string(info_.condition));
  }
  if (step_ == Step::binding && info_.id == "bind") {
    if (!result) return finish_start(false, "bind: " + std::string(info_.condition));
    if (!session_required_) return become_ready();
    step_ = Step::session;
    connection_.out().append(
        "<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
    return connection_.flush();
  }
  if (step_ == Step::session && info_.id == "sess") {
    if (!result) return finish_start(false, "session: " + std::string(info_.condition));
    return become_ready();
  }
  if (on_joined_ && info_.id == "cfg") {
    if (!result) return finish_join(false, "room config: " + std::string(info_.condition));
    return finish_join(true, {});
  }
  if (info_.type == "get" || info_.type == "set") {
    // A server ping (XEP-0199) or a query the bench does not serve: an empty result keeps the
    // server from dropping the session as unresponsive.
    std::string& out = connection_.out();
    out.append("<iq type='result' id='");
    out.append(info_.id);
    out.append("'");
    if (!info_.from.empty()) {
      out.append(" to='");
      out.append(info_.from);
      out.append("'");
    }
    out.append("/>");
    connection_.flush();
  }
}

void XmppClient::on_presence() {
  if (!on_joined_ || !starts_with(info_.from, join_prefix_) ||
      info_.from.size() != join_prefix_.size()) {
    return;  // presence of other occupants or contacts: not measured
  }
  if (info_.type == "error") return finish_join(false, "join: " + std::string(info_.condition));
  if (!join_configure_) return finish_join(true, {});
  // Accept the default configuration; the iq result completes the join.
  join_configure_ = false;
  std::string& out = connection_.out();
  out.append("<iq type='set' id='cfg' to='");
  append_escaped(out, join_room_);
  out.append(
      "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
      "type='submit'/></query></iq>");
  connection_.flush();
}

void XmppClient::become_ready() {
  connection_.out().append("<presence/>");
  connection_.flush();
  step_ = Step::ready;
  finish_start(true, {});
}

void XmppClient::finish_start(bool ok, std::string code, std::string message) {
  if (!ok || register_only_) {
    if (register_only_ && ok) step_ = Step::closed;
    closing_ = true;
    connection_.close();
  }
  if (!on_started_) return;
  auto done = std::move(on_started_);
  on_started_ = nullptr;
  Reply reply{ok, {}, std::move(code), std::move(message), {}, 0};
  done(reply);
}

void XmppClient::join_room(std::string_view room_jid, std::string_view nick, bool configure,
                           ReplyHandler done) {
  if (!ready()) {
    Reply reply{false, {}, "closed", "join before login", {}, 0};
    return done(reply);
  }
  join_room_ = std::string(room_jid);
  join_prefix_ = join_room_ + "/" + std::string(nick);
  join_configure_ = configure;
  on_joined_ = std::move(done);
  std::string& out = connection_.out();
  out.append("<presence to='");
  append_escaped(out, join_prefix_);
  out.append(
      "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  connection_.flush();
}

void XmppClient::finish_join(bool ok, std::string code) {
  if (!on_joined_) return;
  auto done = std::move(on_joined_);
  on_joined_ = nullptr;
  Reply reply{ok, {}, std::move(code), {}, {}, 0};
  done(reply);
}

void XmppClient::append_message(std::string_view to, std::string_view type, std::int64_t sent_ns,
                                std::size_t text_size) {
  std::string& out = connection_.out();
  out.append("<message type='");
  out.append(type);
  out.append("' to='");
  out.append(to);  // bench JIDs have no characters to escape
  out.append("' id='");
  append_uint(out, next_id_++);
  out.append("'><body>");
  append_message_text(out, sent_ns, text_size);
  out.append("</body></message>");
  connection_.flush();
}

void XmppClient::send_chat(std::string_view to, std::int64_t sent_ns, std::size_t text_size) {
  if (step_ != Step::ready) return;
  append_message(to, "chat", sent_ns, text_size);
}

void XmppClient::send_groupchat(std::string_view room_jid, std::int64_t sent_ns,
                                std::size_t text_size) {
  if (step_ != Step::ready) return;
  append_message(room_jid, "groupchat", sent_ns, text_size);
}

void XmppClient::close() {
  closing_ = true;
  connection_.close();
}

void XmppClient::abort() {
  closing_ = true;
  connection_.abort();
}

void XmppClient::on_closed(std::string_view reason) {
  const bool was_ready = step_ == Step::ready;
  step_ = Step::closed;
  finish_start(false, "closed", std::string(reason));
  finish_join(false, "closed: " + std::string(reason));
  if (was_ready && !closing_ && observer_ != nullptr) {
    observer_->on_problem(*this, "connection_lost (" + std::string(reason) + ")");
  }
}

}  // namespace messenger::bench
