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

class Courier;

/// One live client connection as the service sees it; implemented by the net layer.
/// Calls come from one thread at a time, each ordered after the one before (the service's
/// release pipeline, then the thread that shuts the service down once the pipeline has
/// stopped), and must return at once without blocking.
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
  /// The courier that carries this connection's frames together with other connections' (see
  /// Courier), or null: then the service uses send_all and close.
  [[nodiscard]] virtual Courier* courier() { return nullptr; }
};

/// One frame for one connection, or (frame null) its close.
struct Delivery {
  std::shared_ptr<Connection> connection;
  Frame frame;
  protocol::CloseCode close_code{};
  std::string close_reason;
};

/// Carries what a group commit releases to many connections in one hand-off (the net layer:
/// one post to its IO threads per commit instead of one per connection). Each connection's
/// deliveries are adjacent in the list and in the order the connection must see them, frames
/// before a close; the courier keeps that order per connection, and the order of successive
/// calls. Called like Connection (one thread at a time, in order); returns at once.
class Courier {
 public:
  virtual ~Courier() = default;
  virtual void deliver(std::vector<Delivery> deliveries) = 0;
};

}  // namespace messenger::service
