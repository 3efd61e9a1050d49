#include <chrono>
#include <thread>

#include "service_fixture.h"

namespace messenger::service::test {
namespace {

class MessageTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    alice = user("alice");
    bob = user("bob");
    conversation = open_direct(alice, bob);
  }

  json send(Client& c, const std::string& client_msg_id, const std::string& text) {
    return call(c, {{"type", "msg.send"},
                    {"conversation_id", conversation},
                    {"client_msg_id", client_msg_id},
                    {"text", text}});
  }

  /// Queues `n` sends from `c` with ids 0..n-1, without handling them.
  void queue_sends(Client& c, int n, const std::string& prefix, const std::string& text) {
    for (int i = 0; i < n; ++i) {
      json request = {{"type", "msg.send"},
                      {"id", i},
                      {"conversation_id", conversation},
                      {"client_msg_id", prefix + std::to_string(i)},
                      {"text", text}};
      auto parsed = protocol::parse_request(request.dump(), config_.limits);
      ASSERT_TRUE(parsed.body.ok());
      service_->request(c.id, protocol::Request{parsed.id, std::move(parsed.body.value())});
    }
  }

  /// Group commits so far, read from the rendered metrics as an operator would.
  std::uint64_t commit_count() {
    const std::string text = metrics_.render();
    const std::string key = "messenger_commit_batch_size_count ";
    const auto at = text.find(key);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + key.size()));
  }

  Client alice;
  Client bob;
  json conversation;
};

TEST_F(MessageTest, SendIsAcknowledgedAndDeliveredToEverySessionOfEveryMember) {
  Client alice2 = login("alice", "alice-password");
  json reply = send(alice, "m1", "hello");
  ASSERT_EQ(reply["type"], "result");
  EXPECT_EQ(reply["result"]["message"]["seq"], 1);
  EXPECT_EQ(reply["result"]["duplicate"], false);
  EXPECT_EQ(events(bob, "message.new").size(), 1u);
  EXPECT_EQ(events(alice2, "message.new").size(), 1u);
  EXPECT_TRUE(events(alice, "message.new").empty());  // the sender has the reply
  EXPECT_EQ(metrics_.messages_received.load(), 1u);
  EXPECT_EQ(metrics_.messages_delivered.load(), 2u);
}

TEST_F(MessageTest, SeqIsContiguousAndRetriesAreNotDuplicated) {
  for (int i = 1; i <= 5; ++i) {
    json reply = send(i % 2 ? alice : bob, "m" + std::to_string(i), "text " + std::to_string(i));
    EXPECT_EQ(reply["result"]["message"]["seq"], i);
  }
  EXPECT_EQ(events(bob, "message.new").size(), 3u);  // alice's 1, 3 and 5
  json retry = send(alice, "m1", "text 1");
  EXPECT_EQ(retry["result"]["duplicate"], true);
  EXPECT_EQ(retry["result"]["message"]["seq"], 1);
  EXPECT_TRUE(events(bob, "message.new").empty());  // none for the retry
  // The retry took no seq.
  EXPECT_EQ(send(bob, "m6", "text 6")["result"]["message"]["seq"], 6);
  json history = ok(bob, {{"type", "msg.history"}, {"conversation_id", conversation}});
  ASSERT_EQ(history["messages"].size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(history["messages"][i]["seq"], i + 1);
}

TEST_F(MessageTest, RetryGetsTheStoredMessageEvenWhereTheSenderCannotSendNow) {
  send(alice, "m1", "hello");
  json retry = call(alice, {{"type", "msg.send"},
                            {"conversation_id", 999999},
                            {"client_msg_id", "m1"},
                            {"text", "hello"}});
  ASSERT_EQ(retry["type"], "result");
  EXPECT_EQ(retry["result"]["duplicate"], true);
  EXPECT_EQ(retry["result"]["message"]["conversation_id"], conversation);
  EXPECT_EQ(retry["result"]["message"]["seq"], 1);
  // Without a stored message the refusal stands.
  EXPECT_EQ(error_code(alice, {{"type", "msg.send"},
                               {"conversation_id", 999999},
                               {"client_msg_id", "m2"},
                               {"text", "hello"}}),
            "not_found");
}

TEST_F(MessageTest, SameClientIdTwiceInOneBatchIsStoredOnce) {
  for (int i = 0; i < 2; ++i) {
    json request = {{"type", "msg.send"},
                    {"id", i},
                    {"conversation_id", conversation},
                    {"client_msg_id", "twice"},
                    {"text", "once"}};
    auto parsed = protocol::parse_request(request.dump(), config_.limits);
    ASSERT_TRUE(parsed.body.ok());
    service_->request(alice.id, protocol::Request{parsed.id, std::move(parsed.body.value())});
  }
  service_->run_until_idle();
  std::vector<json> results;
  for (const auto& frame : alice.conn->frames) {
    if (frame["type"] == "result") results.push_back(frame["result"]);
  }
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["duplicate"], false);
  EXPECT_EQ(results[1]["duplicate"], true);
  EXPECT_EQ(results[1]["message"]["seq"], 1);
  EXPECT_EQ(events(bob, "message.new").size(), 1u);
  EXPECT_EQ(send(alice, "next", "next")["result"]["message"]["seq"], 2);
}

TEST_F(MessageTest, AMessagesTimeInTheServerRunsFromItsArrivalOnTheIoThread) {
  // The IO thread stamps the frame's arrival; queueing before the service thread takes it
  // counts. Here the request "arrived" 50 ms before it was queued.
  json request = {{"type", "msg.send"},
                  {"id", 1},
                  {"conversation_id", conversation},
                  {"client_msg_id", "timed"},
                  {"text", "timed"}};
  auto parsed = protocol::parse_request(request.dump(), config_.limits);
  ASSERT_TRUE(parsed.body.ok());
  service_->request(alice.id, protocol::Request{parsed.id, std::move(parsed.body.value())},
                    std::chrono::steady_clock::now() - std::chrono::milliseconds(50));
  service_->run_until_idle();
  const std::string text = metrics_.render();
  EXPECT_NE(text.find("messenger_message_seconds_count 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("messenger_message_seconds_bucket{le=\"0.025\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("messenger_message_seconds_bucket{le=\"1\"} 1\n"), std::string::npos) << text;
}

TEST_F(MessageTest, ManySendsInOneBatchShareOneCommit) {
  const auto commits_before = commit_count();
  queue_sends(alice, 50, "b", "batched");
  service_->run_until_idle();
  int acks = 0;
  for (const auto& frame : alice.conn->frames) acks += frame["type"] == "result" ? 1 : 0;
  EXPECT_EQ(acks, 50);
  EXPECT_EQ(events(bob, "message.new").size(), 50u);
  EXPECT_EQ(commit_count(), commits_before + 1);
}

/// A batch ends once its outputs reach max_batch_outputs; the requests left are handled in the
/// next batches, in order.
class OutputBoundTest : public MessageTest {
 protected:
  void SetUp() override {
    config_.max_batch_outputs = 10;  // a send to bob queues 2: alice's ack and bob's event
    MessageTest::SetUp();
  }
};

TEST_F(OutputBoundTest, ABatchEndsAtItsOutputBoundAndTheRestFollowsInOrder) {
  const auto commits_before = commit_count();
  queue_sends(alice, 50, "b", "batched");
  service_->run_until_idle();
  std::vector<int> acked;
  for (const auto& frame : alice.conn->frames) {
    if (frame["type"] == "result") acked.push_back(frame["id"]);
  }
  ASSERT_EQ(acked.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(acked[i], i);
  const auto delivered = events(bob, "message.new");
  ASSERT_EQ(delivered.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(delivered[i]["message"]["seq"], i + 1);
  EXPECT_EQ(commit_count(), commits_before + 10);  // 5 sends per batch
}

TEST_F(MessageTest, StopReleasesEveryReplyBeforeTheGoingAwayClose) {
  service_->start();  // the batches now go through the release pipeline's thread
  queue_sends(alice, 20, "s", "before stop");
  service_->stop();  // joins the threads: the connections are read below on this thread
  int acks = 0;
  for (const auto& frame : alice.conn->frames) acks += frame["type"] == "result" ? 1 : 0;
  EXPECT_EQ(acks, 20);  // a close first would have dropped them (RecordingConnection)
  EXPECT_EQ(events(bob, "message.new").size(), 20u);
  EXPECT_EQ(alice.conn->close_code, protocol::CloseCode::going_away);
  EXPECT_EQ(bob.conn->close_code, protocol::CloseCode::going_away);
  EXPECT_EQ(metrics_.messages_received.load(), 20u);
}

/// The service thread waits a moment before it commits a small batch while requests keep coming.
class CommitWindowServiceTest : public MessageTest {
 protected:
  void SetUp() override {
    config_.commit_window = std::chrono::milliseconds(200);  // wide: the test must not race it
    MessageTest::SetUp();
  }
};

TEST_F(CommitWindowServiceTest, ARequestThatComesWhileTheServiceWaitsSharesItsCommit) {
  service_->start();
  const auto before = commit_count();
  queue_sends(alice, 1, "a", "first");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (commit_count() < before + 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(commit_count(), before + 1);
  // Right after a batch: the next one, alone, waits for company, and the third joins it.
  queue_sends(alice, 1, "b", "second");
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  queue_sends(alice, 1, "c", "third");
  service_->stop();  // joins the threads: the connections are read below on this thread
  EXPECT_EQ(commit_count(), before + 2);
  int acks = 0;
  for (const auto& frame : alice.conn->frames) acks += frame["type"] == "result" ? 1 : 0;
  EXPECT_EQ(acks, 3);
  EXPECT_EQ(events(bob, "message.new").size(), 3u);
}

TEST_F(MessageTest, HistoryPagesBackwardsAndForwards) {
  for (int i = 1; i <= 12; ++i) send(alice, "m" + std::to_string(i), std::to_string(i));
  json newest = ok(bob, {{"type", "msg.history"}, {"conversation_id", conversation}, {"limit", 5}});
  ASSERT_EQ(newest["messages"].size(), 5u);
  EXPECT_EQ(newest["messages"][0]["seq"], 8);
  EXPECT_EQ(newest["messages"][4]["seq"], 12);
  EXPECT_EQ(newest["has_more"], true);
  json older =
      ok(bob,
         {{"type", "msg.history"}, {"conversation_id", conversation}, {"before", 8}, {"limit", 5}});
  EXPECT_EQ(older["messages"][0]["seq"], 3);
  json oldest =
      ok(bob,
         {{"type", "msg.history"}, {"conversation_id", conversation}, {"before", 3}, {"limit", 5}});
  EXPECT_EQ(oldest["messages"].size(), 2u);
  EXPECT_EQ(oldest["has_more"], false);
  json after =
      ok(bob,
         {{"type", "msg.history"}, {"conversation_id", conversation}, {"after", 10}, {"limit", 5}});
  ASSERT_EQ(after["messages"].size(), 2u);
  EXPECT_EQ(after["messages"][0]["seq"], 11);
  EXPECT_EQ(after["has_more"], false);
  EXPECT_EQ(error_code(bob, {{"type", "msg.history"},
                             {"conversation_id", conversation},
                             {"before", 3},
                             {"after", 1}}),
            "bad_request");
}

TEST_F(MessageTest, EditAndDeleteOwnMessagesOnly) {
  send(alice, "m1", "first");
  json edited =
      ok(alice,
         {{"type", "msg.edit"}, {"conversation_id", conversation}, {"seq", 1}, {"text", "first!"}});
  EXPECT_EQ(edited["message"]["text"], "first!");
  EXPECT_GT(edited["message"]["edited_at"].get<std::int64_t>(), 0);
  EXPECT_EQ(events(bob, "message.updated").size(), 1u);
  EXPECT_EQ(error_code(bob, {{"type", "msg.edit"},
                             {"conversation_id", conversation},
                             {"seq", 1},
                             {"text", "mine now"}}),
            "forbidden");
  EXPECT_EQ(
      error_code(bob, {{"type", "msg.delete"}, {"conversation_id", conversation}, {"seq", 1}}),
      "forbidden");
  ok(alice, {{"type", "msg.delete"}, {"conversation_id", conversation}, {"seq", 1}});
  auto tombstones = events(bob, "message.updated");
  ASSERT_EQ(tombstones.size(), 1u);
  EXPECT_EQ(tombstones[0]["message"]["deleted"], true);
  EXPECT_EQ(tombstones[0]["message"]["text"], "");
  EXPECT_EQ(
      error_code(
          alice,
          {{"type", "msg.edit"}, {"conversation_id", conversation}, {"seq", 1}, {"text", "back"}}),
      "not_found");
  EXPECT_EQ(
      error_code(alice, {{"type", "msg.delete"}, {"conversation_id", conversation}, {"seq", 9}}),
      "not_found");
}

TEST_F(MessageTest, SyncReturnsEveryChangeAfterARevision) {
  send(alice, "m1", "one");
  send(alice, "m2", "two");
  json list = ok(bob, {{"type", "conv.list"}});
  const auto rev = list["conversations"][0]["conversation"]["last_rev"].get<std::int64_t>();
  EXPECT_EQ(rev, 2);
  send(alice, "m3", "three");
  ok(alice, {{"type", "msg.edit"}, {"conversation_id", conversation}, {"seq", 1}, {"text", "1"}});
  ok(alice, {{"type", "msg.delete"}, {"conversation_id", conversation}, {"seq", 2}});
  json changes =
      ok(bob, {{"type", "msg.sync"}, {"conversation_id", conversation}, {"after_rev", rev}});
  ASSERT_EQ(changes["messages"].size(), 3u);
  EXPECT_EQ(changes["messages"][0]["seq"], 3);
  EXPECT_EQ(changes["messages"][1]["text"], "1");
  EXPECT_EQ(changes["messages"][2]["deleted"], true);
}

TEST_F(MessageTest, ReadMarkersAndUnreadCounts) {
  Client bob2 = login("bob", "bob-password");
  for (int i = 1; i <= 4; ++i) send(alice, "m" + std::to_string(i), "x");
  json list = ok(bob, {{"type", "conv.list"}});
  ASSERT_EQ(list["conversations"].size(), 1u);
  EXPECT_EQ(list["conversations"][0]["unread"], 4);
  EXPECT_EQ(list["conversations"][0]["last_message"]["seq"], 4);
  ok(bob, {{"type", "msg.read"}, {"conversation_id", conversation}, {"seq", 3}});
  auto read = events(bob2, "read.updated");
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0]["seq"], 3);
  EXPECT_EQ(ok(bob2, {{"type", "conv.list"}})["conversations"][0]["unread"], 1);
  // Backwards and past-the-end markers do not move it back or beyond the newest.
  ok(bob, {{"type", "msg.read"}, {"conversation_id", conversation}, {"seq", 1}});
  ok(bob, {{"type", "msg.read"}, {"conversation_id", conversation}, {"seq", 100}});
  EXPECT_EQ(ok(bob, {{"type", "conv.list"}})["conversations"][0]["last_read"], 4);
  EXPECT_EQ(ok(alice, {{"type", "conv.list"}})["conversations"][0]["unread"], 0);
}

TEST_F(MessageTest, NonMembersCannotReadOrWrite) {
  Client carol = user("carol");
  EXPECT_EQ(send(carol, "c1", "let me in")["code"], "not_member");
  EXPECT_EQ(error_code(carol, {{"type", "msg.history"}, {"conversation_id", conversation}}),
            "not_member");
  EXPECT_EQ(
      error_code(carol, {{"type", "msg.read"}, {"conversation_id", conversation}, {"seq", 1}}),
      "not_member");
  EXPECT_EQ(error_code(carol, {{"type", "typing"}, {"conversation_id", conversation}}),
            "not_member");
  EXPECT_EQ(error_code(carol, {{"type", "msg.history"}, {"conversation_id", 999}}), "not_found");
}

TEST_F(MessageTest, OversizedTextIsRefusedAndNothingIsStored) {
  EXPECT_EQ(send(alice, "big", std::string(16 * 1024 + 1, 'x'))["code"], "too_large");
  EXPECT_EQ(send(alice, "exact", std::string(16 * 1024, 'x'))["type"], "result");
  json history = ok(bob, {{"type", "msg.history"}, {"conversation_id", conversation}});
  EXPECT_EQ(history["messages"].size(), 1u);
}

TEST_F(MessageTest, RestartKeepsEveryAcknowledgedMessage) {
  for (int i = 1; i <= 3; ++i) send(alice, "m" + std::to_string(i), "x");
  service_.reset();
  make_service();
  Client again = login("bob", "bob-password");
  json history = ok(again, {{"type", "msg.history"}, {"conversation_id", conversation}});
  EXPECT_EQ(history["messages"].size(), 3u);
}

}  // namespace
}  // namespace messenger::service::test
