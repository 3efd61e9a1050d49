// ServerFrame::result_as: the counterparts of the encode_result overloads (encode_reply.cpp).

#include <limits>
#include <string>
#include <utility>

#include "server_frame_impl.h"
#include "wire_objects_read.h"

namespace messenger::protocol {
namespace {

using core::Status;
using detail::FieldReader;
using detail::kAnyString;
using detail::read_array;
using detail::read_object;

constexpr detail::Need kRequired = detail::Need::required;

// One from_json per result struct; `fields` reads the frame's "result" object.

Status from_json(const FieldReader& fields, HelloResult& r) {
  MESSENGER_TRY(fields.integer("version", r.version, std::numeric_limits<int>::min(),
                               std::numeric_limits<int>::max(), kRequired));
  MESSENGER_TRY(fields.string("server", r.server, kAnyString, kRequired));
  return read_object(fields, "limits", r.limits);
}

Status from_json(const FieldReader& fields, LoginResult& r) {
  // auth.resume answers without a token.
  MESSENGER_TRY(fields.string("token", r.token, kAnyString, detail::Need::optional));
  return read_object(fields, "user", r.user);
}

Status from_json(const FieldReader& /*fields*/, EmptyResult& /*r*/) {
  return core::Ok{};
}

Status from_json(const FieldReader& fields, UserResult& r) {
  return read_object(fields, "user", r.user);
}

Status from_json(const FieldReader& fields, UsersResult& r) {
  return read_array(fields, "users", r.users);
}

Status from_json(const FieldReader& fields, SettingsResult& r) {
  return fields.object_text("settings", r.settings_json, std::numeric_limits<std::size_t>::max(),
                            kRequired);
}

Status from_json(const FieldReader& fields, CreatedUserResult& r) {
  MESSENGER_TRY(read_object(fields, "user", r.user));
  return fields.optional_string("password", r.password, kAnyString);
}

Status from_json(const FieldReader& fields, PasswordResult& r) {
  return fields.optional_string("password", r.password, kAnyString);
}

Status from_json(const FieldReader& fields, ConversationResult& r) {
  return read_object(fields, "conversation", r.conversation);
}

Status from_json(const FieldReader& fields, ConversationListResult& r) {
  return read_array(fields, "conversations", r.conversations);
}

Status from_json(const FieldReader& fields, ChannelsResult& r) {
  return read_array(fields, "channels", r.channels);
}

Status from_json(const FieldReader& fields, MessageResult& r) {
  MESSENGER_TRY(read_object(fields, "message", r.message));
  return fields.boolean("duplicate", r.duplicate, kRequired);
}

Status from_json(const FieldReader& fields, MessagesResult& r) {
  MESSENGER_TRY(read_array(fields, "messages", r.messages));
  return fields.boolean("has_more", r.has_more, kRequired);
}

Status from_json(const FieldReader& fields, TypingResult& r) {
  return fields.boolean("forwarded", r.forwarded, kRequired);
}

}  // namespace

template <class T>
core::Result<T> ServerFrame::result_as() const {
  if (impl_->kind == Kind::error) return error();
  if (impl_->kind != Kind::result) return detail::not_a(impl_->type, "a result");
  auto result = FieldReader(impl_->json).object("result");
  if (!result.ok()) return result.error();
  T out;
  MESSENGER_TRY(from_json(*result, out));
  return out;
}

template core::Result<HelloResult> ServerFrame::result_as<HelloResult>() const;
template core::Result<LoginResult> ServerFrame::result_as<LoginResult>() const;
template core::Result<EmptyResult> ServerFrame::result_as<EmptyResult>() const;
template core::Result<UserResult> ServerFrame::result_as<UserResult>() const;
template core::Result<UsersResult> ServerFrame::result_as<UsersResult>() const;
template core::Result<SettingsResult> ServerFrame::result_as<SettingsResult>() const;
template core::Result<CreatedUserResult> ServerFrame::result_as<CreatedUserResult>() const;
template core::Result<PasswordResult> ServerFrame::result_as<PasswordResult>() const;
template core::Result<ConversationResult> ServerFrame::result_as<ConversationResult>() const;
template core::Result<ConversationListResult> ServerFrame::result_as<ConversationListResult>()
    const;
template core::Result<ChannelsResult> ServerFrame::result_as<ChannelsResult>() const;
template core::Result<MessageResult> ServerFrame::result_as<MessageResult>() const;
template core::Result<MessagesResult> ServerFrame::result_as<MessagesResult>() const;
template core::Result<TypingResult> ServerFrame::result_as<TypingResult>() const;

}  // namespace messenger::protocol
