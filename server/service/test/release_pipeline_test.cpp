#include "release_pipeline.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "messenger/protocol/codec.h"

namespace messenger::service::test {
namespace {

using namespace std::chrono_literals;

/// A connection the pipeline's thread sends to while the test reads what arrived.
class SharedConnection final : public Connection {
 public:
  void send(Frame frame) override {
    std::lock_guard lock(mutex_);
    frames_.push_back(*frame);
  }
  void close(protocol::CloseCode, std::string_view) override {
    std::lock_guard lock(mutex_);
    frames_.emplace_back("close");
  }
  std::vector<std::string> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> frames_;
};

/// A disk whose sync the test holds until it opens the gate, and which may fail.
class GatedSyncer final : public storage::Syncer {
 public:
  core::Status sync() override {
    std::unique_lock lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    if (failure_) return *failure_;
    return core::Ok{};
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void fail_with(core::Error error) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(error);
  }
  bool wait_started(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return started_ >= n; });
  }
  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0;
  bool open_ = false;
  std::optional<core::Error> failure_;
};

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

class ReleasePipelineTest : public ::testing::Test {
 protected:
  /// A batch with one reply (`text`) for the connection.
  BatchOutputs batch(std::string text, bool committed = true) {
    BatchOutputs out;
    Output reply;
    reply.connection = connection;
    reply.frame = make_frame(std::move(text));
    reply.is_reply = true;
    reply.request_id = R"("7")";
    out.outputs.push_back(std::move(reply));
    out.committed = committed;
    out.message_arrivals.push_back(std::chrono::steady_clock::now());
    return out;
  }

  /// The pipeline's syncer, kept by the test (the pipeline owns it).
  ReleasePipeline& start(bool with_syncer = true) {
    std::unique_ptr<storage::Syncer> owned;
    if (with_syncer) {
      auto gated = std::make_unique<GatedSyncer>();
      syncer = gated.get();
      owned = std::move(gated);
    }
    pipeline.emplace(std::move(owned), metrics,
                     [this](const core::Error& error) { failures.push_back(error.message); });
    return *pipeline;
  }

  void TearDown() override {
    if (syncer != nullptr) syncer->open();
    if (pipeline) pipeline->stop();
  }

  std::shared_ptr<SharedConnection> connection = std::make_shared<SharedConnection>();
  Metrics metrics;
  GatedSyncer* syncer = nullptr;
  std::vector<std::string> failures;  // written on the pipeline's thread, read after stop()
  std::optional<ReleasePipeline> pipeline;
};

TEST_F(ReleasePipelineTest, ACommittedBatchIsReleasedOnlyAfterItsSync) {
  auto& releases = start();
  releases.push(batch("one"));
  ASSERT_TRUE(syncer->wait_started(1));
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(connection->frames().empty());
  EXPECT_EQ(metrics.messages_received.load(), 0U);
  syncer->open();
  ASSERT_TRUE(eventually([&] { return connection->frames().size() == 1; }));
  EXPECT_EQ(connection->frames()[0], "one");
  EXPECT_EQ(metrics.messages_received.load(), 1U);
  const std::string rendered = metrics.render();
  EXPECT_NE(rendered.find("messenger_sync_seconds_count 1\n"), std::string::npos);
  // The message's time in the server runs from its arrival to its release: the 20 ms it waited
  // for the sync count.
  EXPECT_NE(rendered.find("messenger_message_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(rendered.find("messenger_message_seconds_bucket{le=\"0.01\"} 0\n"), std::string::npos)
      << rendered;
}

TEST_F(ReleasePipelineTest, OneSyncCoversEveryBatchCommittedBeforeItStarted) {
  auto& releases = start();
  releases.push(batch("one"));
  ASSERT_TRUE(syncer->wait_started(1));
  // Committed while the first sync runs: the next sync covers both.
  releases.push(batch("two"));
  releases.push(batch("three"));
  syncer->open();
  ASSERT_TRUE(eventually([&] { return connection->frames().size() == 3; }));
  EXPECT_EQ(connection->frames(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(syncer->started(), 2);
}

TEST_F(ReleasePipelineTest, ARolledBackBatchNeedsNoSyncButKeepsItsPlace) {
  auto& releases = start();
  releases.push(batch("lost", false));
  ASSERT_TRUE(eventually([&] { return connection->frames().size() == 1; }));
  EXPECT_EQ(syncer->started(), 0);
  const auto error = nlohmann::json::parse(connection->frames()[0]);
  EXPECT_EQ(error["id"], "7");
  EXPECT_EQ(error["code"], "unavailable");
  EXPECT_EQ(metrics.messages_received.load(), 0U);

  releases.push(batch("kept"));
  ASSERT_TRUE(syncer->wait_started(1));
  releases.push(batch("lost too", false));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(connection->frames().size(), 1U);  // the rolled-back one waits behind "kept"
  syncer->open();
  ASSERT_TRUE(eventually([&] { return connection->frames().size() == 3; }));
  EXPECT_EQ(connection->frames()[1], "kept");
  EXPECT_EQ(nlohmann::json::parse(connection->frames()[2])["code"], "unavailable");
  // Only the committed message is timed.
  EXPECT_NE(metrics.render().find("messenger_message_seconds_count 1\n"), std::string::npos);
}

TEST_F(ReleasePipelineTest, AfterAFailedSyncNothingIsReleasedAgain) {
  auto& releases = start();
  syncer->fail_with(core::Error{core::Errc::unavailable, "sqlite: cannot sync x to disk: EIO"});
  syncer->open();
  releases.push(batch("one"));
  ASSERT_TRUE(syncer->wait_started(1));
  releases.push(batch("two"));
  releases.push(batch("three", false));
  // The service thread is never held back by batches that will not be released.
  releases.wait_for_room();
  releases.stop();
  EXPECT_TRUE(connection->frames().empty());
  EXPECT_EQ(failures, (std::vector<std::string>{"sqlite: cannot sync x to disk: EIO"}));
  EXPECT_EQ(syncer->started(), 1);
  EXPECT_EQ(metrics.messages_received.load(), 0U);
}

TEST_F(ReleasePipelineTest, TheServiceWaitsWhileTwoBatchesAreUnreleased) {
  auto& releases = start();
  releases.push(batch("one"));
  releases.wait_for_room();  // one unreleased: room for the next
  releases.push(batch("two"));
  ASSERT_EQ(ReleasePipeline::kMaxAhead, 2U);
  auto waiting = std::async(std::launch::async, [&] { releases.wait_for_room(); });
  EXPECT_EQ(waiting.wait_for(50ms), std::future_status::timeout);
  syncer->open();
  EXPECT_EQ(waiting.wait_for(5s), std::future_status::ready);
}

TEST_F(ReleasePipelineTest, WithoutASyncerBatchesGoOutInOrderAsTheyCome) {
  auto& releases = start(false);
  releases.push(batch("one"));
  releases.push(batch("two", false));
  releases.push(batch("three"));
  releases.stop();
  const auto frames = connection->frames();
  ASSERT_EQ(frames.size(), 3U);
  EXPECT_EQ(frames[0], "one");
  EXPECT_EQ(nlohmann::json::parse(frames[1])["code"], "unavailable");
  EXPECT_EQ(frames[2], "three");
  EXPECT_EQ(metrics.messages_received.load(), 2U);
}

TEST(ReleasePipelineDeathTest, AFailedSyncStopsTheServerWithExitStatus74) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The server logs to stderr; so does this test's child.
  EXPECT_EXIT(
      {
        spdlog::set_default_logger(spdlog::stderr_logger_mt("stderr"));
        stop_process_after_failed_sync(
            core::Error{core::Errc::unavailable, "sqlite: cannot sync x to disk: EIO"});
      },
      ::testing::ExitedWithCode(74), "cannot sync x to disk.*exit status 74");
}

}  // namespace
}  // namespace messenger::service::test
