#include "password_hasher.h"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace messenger::service {

PasswordHasher::PasswordHasher(unsigned long long opslimit, std::size_t memlimit)
    : opslimit_(opslimit), memlimit_(memlimit) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
}

core::Result<std::string> PasswordHasher::hash(std::string_view password) const {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), opslimit_, memlimit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return core::make_error(core::Errc::internal,
                            "password hashing ran out of memory; lower password_memlimit");
  }
  return std::string(out.data());
}

bool PasswordHasher::verify(const std::string& encoded_hash, std::string_view password) const {
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

std::string generate_token() {
  std::array<unsigned char, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> out{};
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(out.data());
}

std::string hash_token(std::string_view token) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

std::string generate_password(std::size_t length) {
  // No 0/O, 1/l/I: people copy this from a terminal.
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out(length, ' ');
  for (auto& c : out) {
    c = kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
  }
  return out;
}

}  // namespace messenger::service
