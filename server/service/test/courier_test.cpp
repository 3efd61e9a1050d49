#include <string>
#include <utility>
#include <vector>

#include "service_fixture.h"

namespace messenger::service::test {
namespace {

/// A courier that hands each delivery to its RecordingConnection at once and remembers each
/// hand-off as (connection, frame text or "close") in order.
class RecordingCourier final : public Courier {
 public:
  using HandOff = std::vector<std::pair<const Connection*, std::string>>;

  void deliver(std::vector<Delivery> deliveries) override {
    HandOff hand_off;
    for (auto& delivery : deliveries) {
      auto& connection = static_cast<RecordingConnection&>(*delivery.connection);
      if (delivery.frame) {
        connection.send(delivery.frame);
        hand_off.emplace_back(&connection, *delivery.frame);
      } else {
        connection.close(delivery.close_code, delivery.close_reason);
        hand_off.emplace_back(&connection, "close");
      }
    }
    hand_offs.push_back(std::move(hand_off));
  }

  std::vector<HandOff> hand_offs;
};

/// Every connection's deliveries in a hand-off are adjacent: each connection appears in one run.
bool adjacent_per_connection(const RecordingCourier::HandOff& hand_off) {
  std::vector<const Connection*> seen;
  for (std::size_t i = 0; i < hand_off.size(); ++i) {
    if (i > 0 && hand_off[i].first == hand_off[i - 1].first) continue;
    for (const Connection* c : seen) {
      if (c == hand_off[i].first) return false;
    }
    seen.push_back(hand_off[i].first);
  }
  return true;
}

std::vector<json> part_of(const RecordingCourier::HandOff& hand_off, const Client& client) {
  std::vector<json> out;
  for (const auto& [connection, text] : hand_off) {
    if (connection == client.conn.get())
      out.push_back(text == "close" ? json("close") : json::parse(text));
  }
  return out;
}

class CourierTest : public ServiceTest {
 protected:
  void SetUp() override {
    courier_ = &courier;
    ServiceTest::SetUp();
    alice = user("alice");
    bob = user("bob");
    conversation = open_direct(alice, bob);
  }

  std::string queue_send(const std::string& client_msg_id) {
    return enqueue(alice, {{"type", "msg.send"},
                           {"conversation_id", conversation},
                           {"client_msg_id", client_msg_id},
                           {"text", "text of " + client_msg_id}});
  }

  RecordingCourier courier;
  Client alice;
  Client bob;
  json conversation;
};

TEST_F(CourierTest, OneCommitReachesEveryConnectionInOneHandOffInOrder) {
  courier.hand_offs.clear();
  const std::vector<std::string> ids{queue_send("m1"), queue_send("m2"), queue_send("m3")};
  service_->run_until_idle();  // the three sends are one batch, one commit

  ASSERT_EQ(courier.hand_offs.size(), 1U);
  const auto& hand_off = courier.hand_offs.front();
  EXPECT_TRUE(adjacent_per_connection(hand_off));
  const std::vector<json> to_alice = part_of(hand_off, alice);
  const std::vector<json> to_bob = part_of(hand_off, bob);
  ASSERT_EQ(to_alice.size(), 3U);
  ASSERT_EQ(to_bob.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(to_alice[i]["id"], ids[i]);
    EXPECT_EQ(to_alice[i]["type"], "result");
    EXPECT_EQ(to_bob[i]["type"], "message.new");
    EXPECT_EQ(to_bob[i]["message"]["client_msg_id"], "m" + std::to_string(i + 1));
  }
}

TEST_F(CourierTest, ACloseFollowsTheFramesQueuedBeforeItInTheSameHandOff) {
  Client a = admin();
  courier.hand_offs.clear();
  queue_send("m1");
  enqueue(a, {{"type", "admin.user.set_disabled"}, {"user_id", bob.user_id}, {"disabled", true}});
  service_->run_until_idle();

  ASSERT_EQ(courier.hand_offs.size(), 1U);
  const auto& hand_off = courier.hand_offs.front();
  EXPECT_TRUE(adjacent_per_connection(hand_off));
  const std::vector<json> to_bob = part_of(hand_off, bob);
  ASSERT_EQ(to_bob.size(), 2U);
  EXPECT_EQ(to_bob[0]["type"], "message.new");
  EXPECT_EQ(to_bob[1], "close");
  EXPECT_EQ(bob.conn->close_code, protocol::CloseCode::account_disabled);
}

TEST_F(CourierTest, StopClosesEveryConnectionThroughTheCourier) {
  courier.hand_offs.clear();
  service_->stop();

  ASSERT_EQ(courier.hand_offs.size(), 1U);
  for (const Client* client : {&alice, &bob}) {
    EXPECT_EQ(part_of(courier.hand_offs.front(), *client), std::vector<json>{json("close")});
    EXPECT_EQ(client->conn->close_code, protocol::CloseCode::going_away);
  }
}

}  // namespace
}  // namespace messenger::service::test
