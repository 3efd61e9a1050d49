#pragma once

// The wire messages of protocol v1 as typed structs. docs/protocol.md describes every field;
// fixtures/ holds a golden JSON example of each, round-tripped by the tests.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "messenger/core/domain.h"
#include "messenger/protocol/limits.h"

namespace messenger::protocol {

using core::ConversationId;
using core::Rev;
using core::Seq;
using core::TimestampMs;
using core::UserId;

enum class PresenceState { online, away, offline };

// ---- requests (client -> server), one struct per "type" ----

struct Hello {  // "hello"
  int version = 0;
  std::string client;  // free text, e.g. "messenger-desktop/0.1"
};
struct Login {  // "auth.login"
  std::string username;
  std::string password;
  std::string device;
};
struct Resume {  // "auth.resume"
  std::string token;
};
struct Logout {};        // "auth.logout"
struct ChangePassword {  // "auth.change_password"
  std::string old_password;
  std::string new_password;
};
struct GetMe {};   // "user.me"
struct GetUsers {  // "user.get"
  std::vector<UserId> user_ids;
};
struct UpdateProfile {  // "user.update_profile"; absent fields stay unchanged
  std::optional<std::string> display_name;
  std::optional<std::string> department;
  std::optional<std::string> title;
  std::optional<std::string> status_text;
};
struct SearchDirectory {   // "directory.search"
  std::string query;       // matches username, display name, department, title; empty = all
  std::string department;  // exact department filter; empty = any
  int limit = 50;
  UserId after;  // page after this user id (ordering is by id)
};
struct GetSettings {};        // "settings.get"
struct SetSettings {          // "settings.set"; replaces the whole document
  std::string settings_json;  // compact JSON of an object
};
struct SetPresence {                            // "presence.set"
  PresenceState state = PresenceState::online;  // online or away
};
struct AdminCreateUser {  // "admin.user.create"
  std::string username;
  std::optional<std::string> password;  // absent: the server generates one and returns it
  std::string display_name;
  std::string department;
  std::string title;
  std::string email;
  bool is_admin = false;
};
struct AdminResetPassword {  // "admin.user.reset_password"
  UserId user_id;
  std::optional<std::string> password;
};
struct AdminSetDisabled {  // "admin.user.set_disabled"
  UserId user_id;
  bool disabled = true;
};
struct AdminSetAdmin {  // "admin.user.set_admin"
  UserId user_id;
  bool is_admin = true;
};
struct OpenDirect {  // "conv.open_direct"
  UserId user_id;
};
struct CreateConversation {                                     // "conv.create"
  core::ConversationKind kind = core::ConversationKind::group;  // group or channel
  std::string name;
  std::string topic;
  std::vector<UserId> member_ids;  // besides the creator
};
struct ListConversations {};  // "conv.list"
struct GetConversation {      // "conv.get"
  ConversationId conversation_id;
};
struct BrowseChannels {  // "conv.browse"
  std::string query;
  int limit = 50;
};
struct RenameConversation {  // "conv.rename"
  ConversationId conversation_id;
  std::string name;
};
struct SetTopic {  // "conv.set_topic"
  ConversationId conversation_id;
  std::string topic;
};
struct Invite {  // "conv.invite"
  ConversationId conversation_id;
  std::vector<UserId> user_ids;
};
struct Join {  // "conv.join"
  ConversationId conversation_id;
};
struct Leave {  // "conv.leave"
  ConversationId conversation_id;
};
struct RemoveMember {  // "conv.remove_member"
  ConversationId conversation_id;
  UserId user_id;
};
struct Archive {  // "conv.archive"
  ConversationId conversation_id;
};
struct SendMessage {  // "msg.send"
  ConversationId conversation_id;
  std::string client_msg_id;
  std::string text;
};
struct GetHistory {  // "msg.history"; at most one of before / after
  ConversationId conversation_id;
  std::optional<Seq> before;  // messages with seq < before, newest first page; absent = newest
  std::optional<Seq> after;   // messages with seq > after, oldest first
  int limit = 50;
};
struct SyncChanges {  // "msg.sync": every message created, edited or deleted after a revision
  ConversationId conversation_id;
  Rev after_rev;
  int limit = 100;
};
struct EditMessage {  // "msg.edit"
  ConversationId conversation_id;
  Seq seq;
  std::string text;
};
struct DeleteMessage {  // "msg.delete"
  ConversationId conversation_id;
  Seq seq;
};
struct MarkRead {  // "msg.read"
  ConversationId conversation_id;
  Seq seq;
};
struct Typing {  // "typing"
  ConversationId conversation_id;
};

using RequestBody = std::variant<
    Hello, Login, Resume, Logout, ChangePassword, GetMe, GetUsers, UpdateProfile, SearchDirectory,
    GetSettings, SetSettings, SetPresence, AdminCreateUser, AdminResetPassword, AdminSetDisabled,
    AdminSetAdmin, OpenDirect, CreateConversation, ListConversations, GetConversation,
    BrowseChannels, RenameConversation, SetTopic, Invite, Join, Leave, RemoveMember, Archive,
    SendMessage, GetHistory, SyncChanges, EditMessage, DeleteMessage, MarkRead, Typing>;

/// The request "id" exactly as the client sent it, already serialized as JSON ("\"a1\"", "17").
/// "null" when the frame had no usable id.
using RequestIdJson = std::string;

struct Request {
  RequestIdJson id;
  RequestBody body;
};

// ---- results (server -> client, one per request, "type": "result") ----

struct UserView {
  core::User user;
  PresenceState presence = PresenceState::offline;
};

struct HelloResult {
  int version = kProtocolVersion;
  std::string server;  // e.g. "messenger-server/0.1.0"
  Limits limits;
};
struct LoginResult {  // auth.login, auth.resume (token empty on resume)
  std::string token;
  UserView user;
};
struct EmptyResult {};
struct UserResult {
  UserView user;
};
struct UsersResult {
  std::vector<UserView> users;
};
struct SettingsResult {
  std::string settings_json;
};
struct CreatedUserResult {  // admin.user.create
  UserView user;
  std::optional<std::string> password;  // only when the server generated it; shown once
};
struct PasswordResult {                 // admin.user.reset_password
  std::optional<std::string> password;  // only when the server generated it
};
struct ConversationDetails {
  core::Conversation conversation;
  std::vector<core::Member> members;
};
struct ConversationResult {
  ConversationDetails conversation;
};
struct ConversationSummary {
  ConversationDetails conversation;
  std::optional<core::Message> last_message;
  std::int64_t unread = 0;
  Seq last_read;
};
struct ConversationListResult {
  std::vector<ConversationSummary> conversations;
};
struct ChannelInfo {
  core::Conversation conversation;
  std::int64_t member_count = 0;
  bool joined = false;
};
struct ChannelsResult {
  std::vector<ChannelInfo> channels;
};
struct MessageResult {
  core::Message message;
  bool duplicate = false;  // the same client_msg_id was already stored; this is that message
};
struct MessagesResult {
  std::vector<core::Message> messages;  // ascending seq (history) or ascending rev (sync)
  bool has_more = false;
};
struct TypingResult {
  bool forwarded = true;  // false when dropped by the typing rate limit
};

// ---- events (server -> client, no id) ----

struct MessageNewEvent {  // "message.new"
  core::Message message;
};
struct MessageUpdatedEvent {  // "message.updated": an edit or a delete (tombstone)
  core::Message message;
};
struct ReadUpdatedEvent {  // "read.updated"
  ConversationId conversation_id;
  UserId user_id;
  Seq seq;
};
struct ConversationAddedEvent {  // "conversation.added": you became a member
  ConversationDetails conversation;
};
struct ConversationUpdatedEvent {  // "conversation.updated": name, topic, archive, members
  ConversationDetails conversation;
};
struct ConversationRemovedEvent {  // "conversation.removed": you left or were removed
  ConversationId conversation_id;
};
struct TypingEvent {  // "typing"
  ConversationId conversation_id;
  UserId user_id;
};
struct PresenceEvent {  // "presence"
  UserId user_id;
  PresenceState state = PresenceState::offline;
  TimestampMs last_seen = 0;
};
struct UserUpdatedEvent {  // "user.updated"
  UserView user;
};
struct SettingsUpdatedEvent {  // "settings.updated"
  std::string settings_json;
};

/// WebSocket close codes the server uses (docs/protocol.md, "Closing").
enum class CloseCode : std::uint16_t {
  going_away = 1001,  // server shutting down; reconnect later
  protocol_error = 1002,
  invalid_payload = 1007,  // invalid UTF-8 in a text frame
  too_big = 1009,          // frame over max_frame_bytes
  session_revoked = 4001,  // logout elsewhere, password changed or reset
  account_disabled = 4002,
  too_slow = 4008,  // the client did not read; its send queue went over the bound
};

std::string_view to_string(PresenceState state);
std::optional<PresenceState> presence_state_from_string(std::string_view text);

}  // namespace messenger::protocol
