#include "messenger/core/error.h"

namespace messenger::core {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::bad_request:
      return "bad_request";
    case Errc::invalid_json:
      return "invalid_json";
    case Errc::too_deep:
      return "too_deep";
    case Errc::too_large:
      return "too_large";
    case Errc::unknown_type:
      return "unknown_type";
    case Errc::unsupported_version:
      return "unsupported_version";
    case Errc::hello_required:
      return "hello_required";
    case Errc::not_authenticated:
      return "not_authenticated";
    case Errc::invalid_credentials:
      return "invalid_credentials";
    case Errc::account_disabled:
      return "account_disabled";
    case Errc::throttled:
      return "throttled";
    case Errc::rate_limited:
      return "rate_limited";
    case Errc::token_invalid:
      return "token_invalid";
    case Errc::forbidden:
      return "forbidden";
    case Errc::not_found:
      return "not_found";
    case Errc::not_member:
      return "not_member";
    case Errc::conflict:
      return "conflict";
    case Errc::archived:
      return "archived";
    case Errc::unavailable:
      return "unavailable";
    case Errc::internal:
      return "internal";
  }
  return "internal";
}

std::optional<Errc> errc_from_string(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
    const auto code = static_cast<Errc>(i);
    if (to_string(code) == text) return code;
  }
  return std::nullopt;
}

}  // namespace messenger::core
