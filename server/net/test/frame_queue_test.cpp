#include "frame_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace messenger::net {
namespace {

TEST(FrameQueue, HoldsNoMemoryWhileEmpty) {
  FrameQueue<std::shared_ptr<const std::string>> queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.capacity_bytes(), 0U);
  queue.push_back(std::make_shared<const std::string>("a"));
  queue.push_back(std::make_shared<const std::string>("b"));
  EXPECT_GT(queue.capacity_bytes(), 0U);
  queue.pop_front();
  queue.pop_front();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.capacity_bytes(), 0U);
}

// One frame for an otherwise idle connection is the common case: no allocation for it.
TEST(FrameQueue, HoldsOneElementInline) {
  FrameQueue<std::shared_ptr<const std::string>> queue;
  for (int round = 0; round < 3; ++round) {
    queue.push_back(std::make_shared<const std::string>("one"));
    EXPECT_EQ(queue.size(), 1U);
    EXPECT_EQ(*queue.front(), "one");
    EXPECT_EQ(*queue[0], "one");
    EXPECT_EQ(queue.capacity_bytes(), 0U);
    queue.pop_front();
    EXPECT_TRUE(queue.empty());
  }
}

TEST(FrameQueue, KeepsOrderAcrossInterleavedPushesAndPops) {
  FrameQueue<int> queue;
  int next_in = 0;
  int next_out = 0;
  // Pushes outpace pops so that the consumed prefix is compacted many times over.
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 3; ++i) queue.push_back(next_in++);
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(queue.front(), next_out);
      queue.pop_front();
      ++next_out;
    }
    ASSERT_EQ(queue.size(), static_cast<std::size_t>(next_in - next_out));
    for (std::size_t i = 0; i < queue.size(); ++i) {
      ASSERT_EQ(queue[i], next_out + static_cast<int>(i));
    }
  }
  while (!queue.empty()) {
    ASSERT_EQ(queue.front(), next_out++);
    queue.pop_front();
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(queue.capacity_bytes(), 0U);
}

TEST(FrameQueue, PopReleasesTheElementAtOnce) {
  FrameQueue<std::shared_ptr<int>> queue;
  auto first = std::make_shared<int>(1);
  queue.push_back(first);
  queue.push_back(std::make_shared<int>(2));
  queue.push_back(std::make_shared<int>(3));
  EXPECT_EQ(first.use_count(), 2);
  queue.pop_front();
  EXPECT_EQ(first.use_count(), 1);
  EXPECT_EQ(*queue.front(), 2);
}

TEST(FrameQueue, ClearReleasesEverything) {
  FrameQueue<std::shared_ptr<int>> queue;
  auto item = std::make_shared<int>(1);
  queue.push_back(item);
  queue.push_back(item);
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(item.use_count(), 1);
  EXPECT_EQ(queue.capacity_bytes(), 0U);
}

}  // namespace
}  // namespace messenger::net
