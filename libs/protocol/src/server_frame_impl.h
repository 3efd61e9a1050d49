#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "messenger/core/error.h"
#include "messenger/protocol/server_frame.h"

namespace messenger::protocol {

/// What ServerFrame::parse found, shared by the copies of a frame.
struct ServerFrame::Impl {
  nlohmann::json json;  // an object with a string "type"
  Kind kind = Kind::event;
  RequestIdJson id = "null";
  std::string type;
};

namespace detail {

/// The error for asking a frame of type `type` for something only another kind has.
inline core::Error not_a(const std::string& type, std::string_view wanted) {
  std::string message = "frame of type '";
  message.append(type).append("' is not ").append(wanted);
  return core::make_error(core::Errc::bad_request, std::move(message));
}

}  // namespace detail
}  // namespace messenger::protocol
