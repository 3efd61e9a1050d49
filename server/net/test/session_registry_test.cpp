#include "session_registry.h"

#include <gtest/gtest.h>

#include <thread>

namespace messenger::net {
namespace {

struct FakeSession : Stoppable {
  int shutdowns = 0;
  int aborts = 0;
  void shutdown() override { ++shutdowns; }
  void abort() override { ++aborts; }
};

TEST(SessionRegistry, ShutdownAllReachesEveryLiveSessionAndRefusesNewOnes) {
  SessionRegistry registry;
  auto a = std::make_shared<FakeSession>();
  auto b = std::make_shared<FakeSession>();
  EXPECT_TRUE(registry.add(1, a, a.get()));
  EXPECT_TRUE(registry.add(2, b, b.get()));
  registry.shutdown_all();
  EXPECT_EQ(a->shutdowns, 1);
  EXPECT_EQ(b->shutdowns, 1);
  auto c = std::make_shared<FakeSession>();
  EXPECT_FALSE(registry.add(3, c, c.get()));
  registry.abort_all();
  EXPECT_EQ(c->aborts, 1);
}

TEST(SessionRegistry, ReplaceKeepsTheEntryUntilTheNewOwnerRemovesIt) {
  SessionRegistry registry;
  auto http = std::make_shared<FakeSession>();
  auto ws = std::make_shared<FakeSession>();
  registry.add(7, http, http.get());
  registry.add(7, ws, ws.get());  // the upgrade hands the connection over
  registry.remove(7, http.get());
  EXPECT_EQ(registry.size(), 1U);
  registry.remove(7, ws.get());
  EXPECT_EQ(registry.size(), 0U);
}

TEST(SessionRegistry, WaitEmptyReturnsWhenTheLastSessionLeaves) {
  SessionRegistry registry;
  auto a = std::make_shared<FakeSession>();
  registry.add(1, a, a.get());
  EXPECT_FALSE(registry.wait_empty(std::chrono::milliseconds(1)));
  std::thread leaver([&] { registry.remove(1, a.get()); });
  EXPECT_TRUE(registry.wait_empty(std::chrono::seconds(10)));
  leaver.join();
}

TEST(SessionRegistry, ExpiredSessionsCountAsGone) {
  SessionRegistry registry;
  {
    auto a = std::make_shared<FakeSession>();
    registry.add(1, a, a.get());
  }
  EXPECT_TRUE(registry.wait_empty(std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace messenger::net
