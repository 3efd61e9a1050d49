#pragma once

// What a batch of requests leaves for the connections, and how it reaches them once the batch's
// fate (committed or rolled back) is known.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connection.h"
#include "messenger/protocol/messages.h"
#include "metrics.h"

namespace messenger::service {

/// One frame for one connection (a reply or an event), or (frame null) its close.
struct Output {
  std::shared_ptr<Connection> connection;
  Frame frame;
  bool is_reply = false;
  protocol::RequestIdJson request_id;  // of a reply: to answer with an error if the batch fails
  protocol::CloseCode close_code{};
  std::string close_reason;
};

/// Everything one batch (one unit of work) leaves behind.
struct BatchOutputs {
  std::vector<Output> outputs;
  bool committed = false;
  /// When each message stored in the batch arrived: its msg.send frame was read on an IO thread.
  /// Counted, and timed into messenger_message_seconds, once the batch is released.
  std::vector<std::chrono::steady_clock::time_point> message_arrivals;
  std::uint64_t deliveries = 0;  // message.new frames among the outputs
};

/// Hands deliveries to the connections' couriers: each connection's deliveries must be adjacent
/// and in order. Connections without a courier get theirs through send_all and close.
void hand_off(std::vector<Delivery> deliveries);

/// Hands a batch's outputs to their connections, in order per connection, and counts its
/// messages: everything when the batch committed; when it did not, its replies become
/// `unavailable` errors and its events and closes are dropped, since nothing they speak of
/// happened.
void release(BatchOutputs& batch, Metrics& metrics);

}  // namespace messenger::service
