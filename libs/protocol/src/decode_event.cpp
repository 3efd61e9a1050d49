// ServerFrame::event: the counterparts of the encode_event overloads (encode_reply.cpp).

#include <array>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "server_frame_impl.h"
#include "wire_objects_read.h"

namespace messenger::protocol {
namespace {

using core::Status;
using detail::FieldReader;
using detail::read_object;

constexpr detail::Need kRequired = detail::Need::required;

// One from_json per event struct; `fields` reads the event frame itself.

Status from_json(const FieldReader& fields, MessageNewEvent& e) {
  return read_object(fields, "message", e.message);
}

Status from_json(const FieldReader& fields, MessageUpdatedEvent& e) {
  return read_object(fields, "message", e.message);
}

Status from_json(const FieldReader& fields, ReadUpdatedEvent& e) {
  MESSENGER_TRY(fields.counter("conversation_id", e.conversation_id, kRequired));
  MESSENGER_TRY(fields.counter("user_id", e.user_id, kRequired));
  return fields.counter("seq", e.seq, kRequired);
}

Status from_json(const FieldReader& fields, ConversationAddedEvent& e) {
  return read_object(fields, "conversation", e.conversation);
}

Status from_json(const FieldReader& fields, ConversationUpdatedEvent& e) {
  return read_object(fields, "conversation", e.conversation);
}

Status from_json(const FieldReader& fields, ConversationRemovedEvent& e) {
  return fields.counter("conversation_id", e.conversation_id, kRequired);
}

Status from_json(const FieldReader& fields, TypingEvent& e) {
  MESSENGER_TRY(fields.counter("conversation_id", e.conversation_id, kRequired));
  return fields.counter("user_id", e.user_id, kRequired);
}

Status from_json(const FieldReader& fields, PresenceEvent& e) {
  MESSENGER_TRY(fields.counter("user_id", e.user_id, kRequired));
  MESSENGER_TRY(detail::read_enum(fields, "state", e.state, &presence_state_from_string));
  return fields.counter("last_seen", e.last_seen, kRequired);
}

Status from_json(const FieldReader& fields, UserUpdatedEvent& e) {
  return read_object(fields, "user", e.user);
}

Status from_json(const FieldReader& fields, SettingsUpdatedEvent& e) {
  return fields.object_text("settings", e.settings_json, std::numeric_limits<std::size_t>::max(),
                            kRequired);
}

template <typename Event>
core::Result<ServerEvent> decode(const FieldReader& fields) {
  Event event;
  MESSENGER_TRY(from_json(fields, event));
  return ServerEvent(std::move(event));
}

struct EventDecoder {
  std::string_view type;
  core::Result<ServerEvent> (*decode)(const FieldReader& fields);
};

constexpr std::array kDecoders{
    EventDecoder{"message.new", &decode<MessageNewEvent>},
    EventDecoder{"message.updated", &decode<MessageUpdatedEvent>},
    EventDecoder{"read.updated", &decode<ReadUpdatedEvent>},
    EventDecoder{"conversation.added", &decode<ConversationAddedEvent>},
    EventDecoder{"conversation.updated", &decode<ConversationUpdatedEvent>},
    EventDecoder{"conversation.removed", &decode<ConversationRemovedEvent>},
    EventDecoder{"typing", &decode<TypingEvent>},
    EventDecoder{"presence", &decode<PresenceEvent>},
    EventDecoder{"user.updated", &decode<UserUpdatedEvent>},
    EventDecoder{"settings.updated", &decode<SettingsUpdatedEvent>},
};
static_assert(kDecoders.size() == std::variant_size_v<ServerEvent>,
              "every ServerEvent alternative needs a decoder");

}  // namespace

core::Result<ServerEvent> ServerFrame::event() const {
  if (impl_->kind != Kind::event) return detail::not_a(impl_->type, "an event");
  for (const EventDecoder& decoder : kDecoders) {
    if (decoder.type == impl_->type) return decoder.decode(FieldReader(impl_->json));
  }
  return core::make_error(core::Errc::unknown_type, "unknown event type '" + impl_->type + "'");
}

}  // namespace messenger::protocol
