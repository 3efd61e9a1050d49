#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "messenger/core/result.h"

namespace messenger::service {

/// Argon2id password hashing through libsodium. Slow on purpose: call it off the service thread.
class PasswordHasher {
 public:
  PasswordHasher(unsigned long long opslimit, std::size_t memlimit);

  /// The encoded hash (algorithm, parameters and salt included), or Errc::internal when
  /// libsodium runs out of memory.
  [[nodiscard]] core::Result<std::string> hash(std::string_view password) const;
  [[nodiscard]] bool verify(const std::string& encoded_hash, std::string_view password) const;

 private:
  unsigned long long opslimit_;
  std::size_t memlimit_;
};

/// A random token of 32 bytes, base64url without padding (43 characters).
std::string generate_token();
/// SHA-256 of the token, lower-case hex: what the store keeps instead of the token.
std::string hash_token(std::string_view token);
/// A random password of `length` characters that are easy to read aloud.
std::string generate_password(std::size_t length = 16);

}  // namespace messenger::service
