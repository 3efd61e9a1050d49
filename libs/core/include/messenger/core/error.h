#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace messenger::core {

/// Every expected failure. Each value maps one-to-one onto a wire error code (see
/// docs/protocol.md, "Errors"), so a failure deep in the service reaches the client unchanged.
enum class Errc {
  bad_request,          // a field is missing, has the wrong type, or is out of its limits
  invalid_json,         // the frame is not valid JSON
  too_deep,             // JSON nested deeper than the limit
  too_large,            // a frame, text or document over its size limit
  unknown_type,         // the request type is not part of the protocol
  unsupported_version,  // hello named a protocol version this server does not speak
  hello_required,       // the first request must be hello
  not_authenticated,    // the request needs a logged-in session
  invalid_credentials,  // wrong username or password
  account_disabled,     // the account is disabled by an administrator
  throttled,            // too many failed logins; wait before trying again
  rate_limited,         // too many requests; slow down
  token_invalid,        // the session token is unknown, expired or revoked
  forbidden,            // the caller's role does not allow this
  not_found,            // the user, conversation or message does not exist
  not_member,           // the caller is not a member of the conversation
  conflict,             // e.g. the username is taken
  archived,             // the conversation is archived and read-only
  unavailable,          // storage failed; nothing was changed; retry later
  internal,             // a bug; the server logged it (keep last: errc_from_string scans up to it)
};

/// The stable wire spelling of an error code, e.g. "not_member".
std::string_view to_string(Errc code);

/// The code of a wire spelling; nullopt for a code this build does not know (a newer server's).
std::optional<Errc> errc_from_string(std::string_view text);

/// An expected failure: a machine code and a message for people (never containing secrets).
struct Error {
  Errc code;
  std::string message;
};

}  // namespace messenger::core
