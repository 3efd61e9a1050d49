#include "release.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "messenger/core/result.h"
#include "messenger/protocol/codec.h"

namespace messenger::service {
namespace {

/// The courier of connections that have none (the service's own tests): each connection's run
/// of deliveries goes out through send_all, then close.
void deliver_directly(std::vector<Delivery>& deliveries, std::size_t begin, std::size_t end) {
  std::vector<Frame> frames;
  for (std::size_t k = begin; k < end; ++k) {
    Delivery& d = deliveries[k];
    if (d.frame) {
      frames.push_back(std::move(d.frame));
      continue;
    }
    if (!frames.empty()) d.connection->send_all(std::exchange(frames, {}));
    d.connection->close(d.close_code, d.close_reason);
  }
  if (!frames.empty()) deliveries[begin].connection->send_all(std::move(frames));
}

/// The batch's outputs as deliveries, in order per connection (see release).
std::vector<Delivery> deliveries_of(BatchOutputs& batch) {
  auto& outputs = batch.outputs;
  // Ordered through (connection, index) pairs: sorting the outputs themselves moved ~100-byte
  // structs around, the larger part of the cost per fan-out delivery (callgrind).
  std::vector<std::pair<const Connection*, std::size_t>> order;
  order.reserve(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].connection) order.emplace_back(outputs[i].connection.get(), i);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::less<>{}(a.first, b.first) || (a.first == b.first && a.second < b.second);
  });
  const core::Error unavailable{core::Errc::unavailable,
                                "storage failed; nothing was changed; retry"};
  std::vector<Delivery> deliveries;
  deliveries.reserve(order.size());
  for (const auto& [connection, index] : order) {
    Output& out = outputs[index];
    Frame frame;
    if (batch.committed) {
      frame = std::move(out.frame);
    } else if (out.is_reply) {
      frame = make_frame(protocol::encode_error(out.request_id, unavailable));
    } else {
      continue;
    }
    deliveries.push_back(Delivery{std::move(out.connection), std::move(frame), out.close_code,
                                  std::move(out.close_reason)});
  }
  outputs.clear();
  return deliveries;
}

}  // namespace

void hand_off(std::vector<Delivery> deliveries) {
  if (deliveries.empty()) return;
  // Normally every connection has the same courier (the net layer's): the batch goes to it as it
  // is, in one hand-off, without being copied.
  Courier* const first = deliveries.front().connection->courier();
  const bool one_courier =
      first != nullptr && std::all_of(deliveries.begin(), deliveries.end(), [&](const Delivery& d) {
        return d.connection->courier() == first;
      });
  if (one_courier) {
    first->deliver(std::move(deliveries));
    return;
  }
  // Otherwise (the service's own tests) each connection's run goes to its courier, or directly.
  for (std::size_t k = 0; k < deliveries.size();) {
    const Connection* connection = deliveries[k].connection.get();
    std::size_t end = k;
    while (end < deliveries.size() && deliveries[end].connection.get() == connection) ++end;
    if (Courier* carrier = deliveries[k].connection->courier(); carrier != nullptr) {
      carrier->deliver(
          {std::make_move_iterator(deliveries.begin() + static_cast<std::ptrdiff_t>(k)),
           std::make_move_iterator(deliveries.begin() + static_cast<std::ptrdiff_t>(end))});
    } else {
      deliver_directly(deliveries, k, end);
    }
    k = end;
  }
}

void release(BatchOutputs& batch, Metrics& metrics) {
  if (batch.committed) {
    metrics.messages_received.fetch_add(batch.message_arrivals.size());
    metrics.messages_delivered.fetch_add(batch.deliveries);
    const auto now = std::chrono::steady_clock::now();
    for (const auto arrived : batch.message_arrivals) {
      metrics.message_seconds.observe(std::chrono::duration<double>(now - arrived).count());
    }
  }
  hand_off(deliveries_of(batch));
}

}  // namespace messenger::service
