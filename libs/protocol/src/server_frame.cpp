#include "messenger/protocol/server_frame.h"

#include <string>
#include <utility>

#include "json_depth.h"
#include "server_frame_impl.h"

namespace messenger::protocol {
namespace {

using core::Errc;
using Json = nlohmann::json;

/// Deeper than the deepest frame a server sends: a request nests at most 256 levels (the upper
/// bound of the server's max_json_depth setting), so stored settings have at most 255, and a
/// result puts them at level 3: 257 in all. The bound keeps a hostile frame from exhausting the
/// client's stack in the recursive parts of nlohmann::json.
constexpr int kMaxFrameDepth = 300;

}  // namespace

ServerFrame::ServerFrame(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

core::Result<ServerFrame> ServerFrame::parse(std::string_view text) {
  if (detail::json_depth_exceeds(text, kMaxFrameDepth)) {
    return core::make_error(Errc::too_deep, "frame is nested deeper than " +
                                                std::to_string(kMaxFrameDepth) + " levels");
  }
  auto impl = std::make_shared<Impl>();
  impl->json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const Json& json = impl->json;
  if (json.is_discarded()) return core::make_error(Errc::invalid_json, "frame is not valid JSON");
  if (!json.is_object()) return core::make_error(Errc::bad_request, "a frame must be an object");

  const auto type = json.find("type");
  if (type == json.end() || !type->is_string()) {
    return core::make_error(Errc::bad_request, "field 'type' must be a string");
  }
  impl->type = type->get<std::string>();
  if (impl->type == "result") {
    impl->kind = Kind::result;
  } else if (impl->type == "error") {
    impl->kind = Kind::error;
  }
  if (impl->kind != Kind::event) {
    // null is kept: the server answers a frame whose id it could not read with "id": null.
    const auto id = json.find("id");
    if (id == json.end()) {
      return core::make_error(Errc::bad_request,
                              "field 'id' is required in a frame of type '" + impl->type + "'");
    }
    impl->id = id->dump();
  }
  if (impl->kind == Kind::error) {
    const auto code = json.find("code");
    if (code == json.end() || !code->is_string()) {
      return core::make_error(Errc::bad_request, "field 'code' must be a string");
    }
  }
  return ServerFrame(std::move(impl));
}

ServerFrame::Kind ServerFrame::kind() const {
  return impl_->kind;
}

const RequestIdJson& ServerFrame::id() const {
  return impl_->id;
}

const std::string& ServerFrame::type() const {
  return impl_->type;
}

core::Error ServerFrame::error() const {
  if (impl_->kind != Kind::error) return detail::not_a(impl_->type, "an error");
  const std::string& code = impl_->json.at("code").get_ref<const std::string&>();
  // "message" is for people only; a missing or malformed one is not worth failing over.
  const auto message_field = impl_->json.find("message");
  std::string message = message_field != impl_->json.end() && message_field->is_string()
                            ? message_field->get<std::string>()
                            : std::string();
  if (const auto errc = core::errc_from_string(code)) return core::Error{*errc, std::move(message)};
  std::string unknown = "unknown error code '";
  unknown.append(code).append("'");
  if (!message.empty()) unknown.append(": ").append(message);
  return core::make_error(Errc::internal, std::move(unknown));
}

}  // namespace messenger::protocol
