// The ids the desktop client gives the messages it sends: UUID version 7, ordered by time.
#include "client_msg_id.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace messenger::client::detail {
namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

TEST(ClientMsgId, IsAVersion7UuidInLowercase) {
  QRandomGenerator random(7);
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_client_msg_id(1'764'201'600'000 + i, random);
    ASSERT_EQ(id.size(), 36u) << id;
    for (std::size_t k = 0; k < id.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        EXPECT_EQ(id[k], '-') << id;
      } else {
        EXPECT_TRUE(is_hex(id[k])) << id;
      }
    }
    EXPECT_EQ(id[14], '7') << "version nibble: " << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << "variant bits: " << id;
  }
}

TEST(ClientMsgId, StartsWithTheTimeInMilliseconds) {
  QRandomGenerator random(1);
  // 2025-11-27 00:00:00 UTC = 1,764,201,600,000 ms = 0x019a_c29c_1400.
  const std::string id = new_client_msg_id(1'764'201'600'000, random);
  EXPECT_EQ(id.substr(0, 13), "019ac29c-1400") << id;
  EXPECT_EQ(new_client_msg_id(0, random).substr(0, 13), "00000000-0000");
  EXPECT_EQ(new_client_msg_id(0xffff'ffff'ffff, random).substr(0, 13), "ffffffff-ffff");
}

TEST(ClientMsgId, LaterIdsSortAfterEarlierOnes) {
  QRandomGenerator random(42);
  std::vector<std::string> ids;
  for (std::int64_t ms = 1'764'201'600'000; ids.size() < 5000; ms += 1 + ids.size() % 3) {
    ids.push_back(new_client_msg_id(ms, random));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST(ClientMsgId, IdsOfTheSameMillisecondDiffer) {
  QRandomGenerator random(3);
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) ids.insert(new_client_msg_id(1'764'201'600'000, random));
  EXPECT_EQ(ids.size(), 10'000u);
}

}  // namespace
}  // namespace messenger::client::detail
