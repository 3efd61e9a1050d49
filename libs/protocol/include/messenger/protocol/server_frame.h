#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "messenger/core/error.h"
#include "messenger/core/result.h"
#include "messenger/protocol/messages.h"

namespace messenger::protocol {

/// Every event of protocol v1, decoded.
using ServerEvent =
    std::variant<MessageNewEvent, MessageUpdatedEvent, ReadUpdatedEvent, ConversationAddedEvent,
                 ConversationUpdatedEvent, ConversationRemovedEvent, TypingEvent, PresenceEvent,
                 UserUpdatedEvent, SettingsUpdatedEvent>;

/// One text frame from the server, parsed once, for clients: a result, an error or an event.
/// Decoding is tolerant as a client must be: unknown fields are ignored (a newer server may add
/// some), a field sent as null counts as absent, and an optional field that is absent keeps its
/// default. A field the document lists as always present that is missing or has the wrong JSON
/// type is Errc::bad_request, naming the field by its path ("field 'result.user.presence' ...").
/// Immutable and cheap to copy (the parsed document is shared). Never throws.
class ServerFrame {
 public:
  enum class Kind { result, error, event };

  /// Fails with Errc::invalid_json on text that is not JSON; Errc::too_deep on JSON nested deeper
  /// than any server sends (300 levels); Errc::bad_request on a frame that is not an object, has
  /// no string "type", is a result or error without "id", or an error without a string "code".
  static core::Result<ServerFrame> parse(std::string_view text);

  [[nodiscard]] Kind kind() const;
  /// For a result or an error: the id as compact JSON text, as the server echoed it ("17",
  /// "\"a1\"", "null"), so it equals the RequestIdJson of the request it answers when that was
  /// written compactly too. "null" for events.
  [[nodiscard]] const RequestIdJson& id() const;
  /// The "type" field: "result", "error", or the event type such as "message.new".
  [[nodiscard]] const std::string& type() const;

  /// For an error frame: its code and message. A code this build does not know (a newer
  /// server's) is Errc::internal, with the original code kept in the message. For another kind
  /// of frame: Errc::bad_request saying so.
  [[nodiscard]] core::Error error() const;

  /// For a result frame: its "result" object decoded as T, one of the result structs of
  /// messages.h (listed after the class). For an error frame: that error, so that a caller
  /// handles a failed request and an undecodable result in one place. For an event frame:
  /// Errc::bad_request.
  template <class T>
  [[nodiscard]] core::Result<T> result_as() const;

  /// For an event frame: the event decoded. An event type this build does not know is
  /// Errc::unknown_type: clients ignore those, since newer servers may add events. For a result
  /// or error frame: Errc::bad_request.
  [[nodiscard]] core::Result<ServerEvent> event() const;

 private:
  struct Impl;
  explicit ServerFrame(std::shared_ptr<const Impl> impl);

  std::shared_ptr<const Impl> impl_;
};

// The result structs result_as decodes, instantiated in decode_reply.cpp.
extern template core::Result<HelloResult> ServerFrame::result_as<HelloResult>() const;
extern template core::Result<LoginResult> ServerFrame::result_as<LoginResult>() const;
extern template core::Result<EmptyResult> ServerFrame::result_as<EmptyResult>() const;
extern template core::Result<UserResult> ServerFrame::result_as<UserResult>() const;
extern template core::Result<UsersResult> ServerFrame::result_as<UsersResult>() const;
extern template core::Result<SettingsResult> ServerFrame::result_as<SettingsResult>() const;
extern template core::Result<CreatedUserResult> ServerFrame::result_as<CreatedUserResult>() const;
extern template core::Result<PasswordResult> ServerFrame::result_as<PasswordResult>() const;
extern template core::Result<ConversationResult> ServerFrame::result_as<ConversationResult>() const;
extern template core::Result<ConversationListResult>
ServerFrame::result_as<ConversationListResult>() const;
extern template core::Result<ChannelsResult> ServerFrame::result_as<ChannelsResult>() const;
extern template core::Result<MessageResult> ServerFrame::result_as<MessageResult>() const;
extern template core::Result<MessagesResult> ServerFrame::result_as<MessagesResult>() const;
extern template core::Result<TypingResult> ServerFrame::result_as<TypingResult>() const;

}  // namespace messenger::protocol
