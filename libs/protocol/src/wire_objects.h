#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "messenger/protocol/messages.h"

namespace messenger::protocol::detail {

/// Keeps keys in the order they are added, so frames read like docs/protocol.md.
using OrderedJson = nlohmann::ordered_json;

// The object shapes of docs/protocol.md, "Objects".
OrderedJson to_json(const UserView& user);
/// A conversation without its members (the "conversation" of a channel listing).
OrderedJson to_json(const core::Conversation& conversation);
OrderedJson to_json(const ConversationDetails& details);
OrderedJson to_json(const core::Member& member);
OrderedJson to_json(const core::Message& message);
OrderedJson to_json(const ConversationSummary& summary);
OrderedJson to_json(const ChannelInfo& channel);
OrderedJson to_json(const Limits& limits);

/// The settings document from its compact text. Empty or unreadable text (never stored by this
/// server, which validates the document first) gives an empty object rather than a broken frame.
OrderedJson settings_to_json(std::string_view settings_json);

/// Compact JSON; text that is not valid UTF-8 is replaced rather than throwing.
std::string dump(const OrderedJson& value);

}  // namespace messenger::protocol::detail
