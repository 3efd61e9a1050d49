#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messenger/protocol/messages.h"

namespace messenger::client {

// The documents under which the cache keeps conversations and users. Every field of the structs
// is written; a field missing from a stored document reads as its default (documents written
// before the field existed), a field of the wrong type or an unknown enum spelling makes the
// whole document unreadable (nullopt).

std::string encode_cached_summary(const protocol::ConversationSummary& summary);
std::optional<protocol::ConversationSummary> decode_cached_summary(std::string_view json);

std::string encode_cached_user(const protocol::UserView& user);
std::optional<protocol::UserView> decode_cached_user(std::string_view json);

}  // namespace messenger::client
