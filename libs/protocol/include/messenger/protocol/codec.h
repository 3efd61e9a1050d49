#pragma once

#include <string>
#include <string_view>

#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"

namespace messenger::protocol {

/// What parsing one text frame gives: the request id (if one could be read, for the error
/// reply) and either the typed request or the error to reply with.
struct ParsedRequest {
  RequestIdJson id = "null";
  core::Result<RequestBody> body;
};

/// Parses and validates one text frame: size, nesting depth, JSON, "type", "id", and each
/// field's presence, type and limits. Never throws.
ParsedRequest parse_request(std::string_view frame, const Limits& limits);

/// The "type" string of a request body, e.g. "msg.send".
std::string_view request_type(const RequestBody& body);

/// Encodes a request frame as a client sends it: {"type":"msg.send","id":...,...fields}. Fields
/// with a default are always written, std::optional ones only when present, so parse_request
/// gives back an equal request. `request.id` must be JSON text (as in ParsedRequest::id);
/// anything else is sent as null. For clients, tests and the load generator.
std::string encode_request(const Request& request);

/// Encodes a reply frame: {"type":"result","id":...,"result":{...}}. `id` is spliced in as is:
/// it must be JSON text as parse_request produced it; an empty id is sent as null.
std::string encode_result(const RequestIdJson& id, const HelloResult& r);
std::string encode_result(const RequestIdJson& id, const LoginResult& r);
std::string encode_result(const RequestIdJson& id, const EmptyResult& r);
std::string encode_result(const RequestIdJson& id, const UserResult& r);
std::string encode_result(const RequestIdJson& id, const UsersResult& r);
std::string encode_result(const RequestIdJson& id, const SettingsResult& r);
std::string encode_result(const RequestIdJson& id, const CreatedUserResult& r);
std::string encode_result(const RequestIdJson& id, const PasswordResult& r);
std::string encode_result(const RequestIdJson& id, const ConversationResult& r);
std::string encode_result(const RequestIdJson& id, const ConversationListResult& r);
std::string encode_result(const RequestIdJson& id, const ChannelsResult& r);
std::string encode_result(const RequestIdJson& id, const MessageResult& r);
std::string encode_result(const RequestIdJson& id, const MessagesResult& r);
std::string encode_result(const RequestIdJson& id, const TypingResult& r);

/// Encodes an error reply: {"type":"error","id":...,"code":"...","message":"..."}.
std::string encode_error(const RequestIdJson& id, const core::Error& error);

/// Encodes an event frame: {"type":"message.new",...}; events have no id.
std::string encode_event(const MessageNewEvent& e);
std::string encode_event(const MessageUpdatedEvent& e);
std::string encode_event(const ReadUpdatedEvent& e);
std::string encode_event(const ConversationAddedEvent& e);
std::string encode_event(const ConversationUpdatedEvent& e);
std::string encode_event(const ConversationRemovedEvent& e);
std::string encode_event(const TypingEvent& e);
std::string encode_event(const PresenceEvent& e);
std::string encode_event(const UserUpdatedEvent& e);
std::string encode_event(const SettingsUpdatedEvent& e);

}  // namespace messenger::protocol
