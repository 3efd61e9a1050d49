#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "asio.h"
#include "connection.h"

namespace messenger::net {

/// The deliveries of one hand-off; each session takes (moves out) its own adjacent range.
using DeliveryBatch = std::vector<service::Delivery>;

/// A connection of this net layer: what the courier hands a session its part of a batch through.
class NetConnection : public service::Connection {
 public:
  /// On an IO thread: queues `batch[begin, end)` (this connection's frames, then perhaps its
  /// close) on the connection's strand, in order, and writes them in one write.
  virtual void take(std::shared_ptr<DeliveryBatch> batch, std::size_t begin, std::size_t end) = 0;
};

/// The service's courier for every connection of one io_context: a group commit's frames for
/// all its connections go to the IO threads in one post (one wake-up, one lock of the
/// scheduler's queue) instead of one post per connection; on the IO thread each session's part
/// is dispatched into its strand, which runs it at once unless another IO thread holds it.
/// Batches run one after the other on the courier's own strand, so with several IO threads a
/// later batch never reaches a connection before an earlier one.
class IoCourier final : public service::Courier {
 public:
  explicit IoCourier(asio::io_context& io) : strand_(asio::make_strand(io)) {}

  /// Every delivery's connection must be a NetConnection.
  void deliver(std::vector<service::Delivery> deliveries) override;

 private:
  asio::strand<asio::io_context::executor_type> strand_;
};

}  // namespace messenger::net
