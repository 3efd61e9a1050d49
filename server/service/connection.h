#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "messenger/protocol/messages.h"

namespace messenger::service {

/// An encoded frame. A fan-out encodes an event once and hands the same bytes to every receiver.
using Frame = std::shared_ptr<const std::string>;

inline Frame make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

/// One live client connection as the service sees it; implemented by the net layer.
/// Both calls come from the service thread and must return at once without blocking.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Queues a text frame for the client, in call order.
  virtual void send(Frame frame) = 0;
  /// Queues several frames, in order, in one hand-off: a group commit releases all the frames
  /// of a connection at once.
  virtual void send_all(std::vector<Frame> frames) {
    for (auto& frame : frames) send(std::move(frame));
  }
  /// Sends what is queued, then closes with the code. Later sends are dropped.
  virtual void close(protocol::CloseCode code, std::string_view reason) = 0;
};

}  // namespace messenger::service
