// SharedWriteStream over a real TCP connection on 127.0.0.1: writes from its two writers stay
// whole and in order, the write-wait timer exists only while a writer waits, and reads that
// empty the socket still see what arrives later.

#include "shared_write_stream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "asio.h"
#include "beast.h"

namespace messenger::net {
namespace {

using namespace std::chrono_literals;

class SharedWriteStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    ConnectionSocket socket(asio::make_strand(io_));
    socket.connect(acceptor.local_endpoint());
    acceptor.accept(peer_);
    stream_.emplace(PlainStream(std::move(socket)));
  }

  /// Runs the io_context until `done` holds; fails the test instead of hanging.
  template <typename Done>
  void run_until(Done done) {
    io_.restart();
    for (int i = 0; i < 500 && !done(); ++i) io_.run_for(10ms);
    ASSERT_TRUE(done());
  }

  /// Exactly `size` bytes from the peer (blocking).
  std::string peer_read(std::size_t size) {
    std::string out(size, '\0');
    asio::read(peer_, asio::buffer(out));
    return out;
  }

  asio::io_context io_;
  tcp::socket peer_{io_};
  std::optional<SharedWriteStream<PlainStream>> stream_;
};

TEST_F(SharedWriteStreamTest, ALoneBurstIsWrittenWithoutTheWaitTimer) {
  const std::string burst = "burst";
  bool done = false;
  stream_->async_write_burst(asio::buffer(burst), [&](beast::error_code ec, std::size_t bytes) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(bytes, burst.size());
    done = true;
  });
  EXPECT_FALSE(stream_->holds_flush_timer());
  run_until([&] { return done; });
  EXPECT_FALSE(stream_->holds_flush_timer());
  EXPECT_EQ(peer_read(burst.size()), burst);
}

TEST_F(SharedWriteStreamTest, WritesDuringAWriteJoinTheNextOneInOrderAndTheTimerGoesAfter) {
  const std::string first = "first;";
  const std::string control = "control;";  // as Beast writes a pong or ping
  const std::string second = "second;";
  std::vector<std::string> completed;
  stream_->async_write_burst(asio::buffer(first), [&](beast::error_code ec, std::size_t bytes) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(bytes, first.size());
    completed.push_back(first);
  });
  asio::async_write(*stream_, asio::buffer(control), [&](beast::error_code ec, std::size_t bytes) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(bytes, control.size());
    completed.push_back(control);
  });
  stream_->async_write_burst(asio::buffer(second), [&](beast::error_code ec, std::size_t bytes) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(bytes, second.size());
    completed.push_back(second);
  });
  // Two writers wait for the write after the first one; they wait on the timer, made for them.
  EXPECT_TRUE(stream_->holds_flush_timer());
  run_until([&] { return completed.size() == 3; });
  EXPECT_EQ(completed, (std::vector<std::string>{first, control, second}));
  EXPECT_FALSE(stream_->holds_flush_timer());  // dropped once no write is in flight
  EXPECT_EQ(peer_read(first.size() + control.size() + second.size()), first + control + second);
}

TEST_F(SharedWriteStreamTest, AWriteAfterAFailedOneFailsToo) {
  peer_.close();
  // Writing to a connection the peer closed fails within a few writes (the first may still be
  // accepted by the kernel before the peer's reset arrives).
  const std::string bytes(64 * 1024, 'x');
  beast::error_code failure;
  for (int i = 0; i < 100 && !failure; ++i) {
    bool done = false;
    stream_->async_write_burst(asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
      failure = ec;
      done = true;
    });
    run_until([&] { return done; });
  }
  ASSERT_TRUE(failure);
  bool done = false;
  asio::async_write(*stream_, asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
    EXPECT_TRUE(ec);
    done = true;
  });
  run_until([&] { return done; });
  EXPECT_FALSE(stream_->holds_flush_timer());
}

TEST_F(SharedWriteStreamTest, AReadThatEmptiedTheSocketStillSeesLaterBytes) {
  std::string got;
  char buffer[64];
  auto read = [&] {
    bool done = false;
    stream_->async_read_some(asio::buffer(buffer), [&](beast::error_code ec, std::size_t bytes) {
      EXPECT_FALSE(ec);
      got.append(buffer, bytes);
      done = true;
    });
    run_until([&] { return done; });
  };
  asio::write(peer_, asio::buffer(std::string("abc")));
  read();  // short: the socket is empty after it
  EXPECT_EQ(got, "abc");

  // Bytes that arrive while no read waits: the reactor sees them before the next read starts.
  asio::write(peer_, asio::buffer(std::string("def")));
  {
    const auto work = asio::make_work_guard(io_);  // so that poll() asks epoll at all
    io_.restart();
    for (int i = 0; i < 5; ++i) io_.poll();
  }
  read();
  EXPECT_EQ(got, "abcdef");

  // Bytes that arrive while a read waits.
  bool done = false;
  stream_->async_read_some(asio::buffer(buffer), [&](beast::error_code ec, std::size_t bytes) {
    EXPECT_FALSE(ec);
    got.append(buffer, bytes);
    done = true;
  });
  io_.restart();
  io_.poll();
  EXPECT_FALSE(done);
  asio::write(peer_, asio::buffer(std::string("ghi")));
  run_until([&] { return done; });
  EXPECT_EQ(got, "abcdefghi");

  // A read that fills its buffer is followed by one that finds the rest at once.
  const std::string long_text(100, 'z');
  asio::write(peer_, asio::buffer(long_text));
  std::string before = got;
  while (got.size() < before.size() + long_text.size()) read();
  EXPECT_EQ(got.substr(before.size()), long_text);
}

}  // namespace
}  // namespace messenger::net
