#pragma once

#include <cstdint>
#include <string>

namespace messenger::bench {

/// The `client_msg_id`s of one bench client: UUIDs version 7 (RFC 9562), the send time in
/// milliseconds first, as the desktop client makes them. The server files ids in the order they
/// sort, so ids of a later millisecond go after those of an earlier one: a batch of sends from
/// many clients lands in a few leaves at the end of the deduplication index instead of a leaf
/// per sender (docs/storage.md). The 74 bits after the time are not random: the client's number
/// (26 bits) and a counter (24, 16 million ids) keep a client's ids unique within a run, also
/// when clients share an account; the send time, across runs; a random per-process nonce (24
/// bits), between two generators run at once (they collide with a chance of 1 in 16 million).
class ClientMsgIds {
 public:
  ClientMsgIds(std::uint32_t client_number, std::uint32_t process_nonce)
      : client_number_(client_number & 0x3ffffffU), process_nonce_(process_nonce & 0xffffffU) {}

  /// Appends the next id (36 characters) to `out`.
  void append_next(std::string& out, std::int64_t unix_ms);

 private:
  std::uint32_t client_number_;
  std::uint32_t process_nonce_;
  std::uint32_t counter_ = 0;
};

}  // namespace messenger::bench
