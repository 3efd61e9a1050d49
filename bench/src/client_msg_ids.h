#pragma once

#include <cstdint>
#include <string>

namespace messenger::bench {

/// Appends a UUID of RFC 9562's layout (36 characters, lowercase) to `out`: the 48 bits of
/// `high` (the time in ms, for version 7), the version, 12 bits of `rand_a`, the variant (10) and
/// 14 bits of `clock`, then 48 bits of `node`. Bits above each field's width are ignored.
void append_uuid(std::string& out, std::uint64_t high, unsigned version, std::uint64_t rand_a,
                 std::uint64_t clock, std::uint64_t node);

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
