#include "client_msg_ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace messenger::bench {
namespace {

std::string next(ClientMsgIds& ids, std::int64_t unix_ms) {
  std::string out;
  ids.append_next(out, unix_ms);
  return out;
}

TEST(AppendUuid, PutsEachFieldWhereRfc9562HasItAndDropsBitsAboveItsWidth) {
  std::string out;
  append_uuid(out, 0x0123'4567'89ab, 4, 0xabc, 0x1234, 0xfedc'ba98'7654);
  EXPECT_EQ(out, "01234567-89ab-4abc-9234-fedcba987654");
  out.clear();
  append_uuid(out, 0xffff'0123'4567'89ab, 0x17, 0xfabc, 0xc234, 0xffff'fedc'ba98'7654);
  EXPECT_EQ(out, "01234567-89ab-7abc-8234-fedcba987654");
}

TEST(ClientMsgIds, AreUuidsVersion7WithTheTimeFirst) {
  ClientMsgIds ids(12345, 0xbeef01);
  const std::string id = next(ids, 0x0192'3456'789a);
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  EXPECT_EQ(id.substr(0, 13), "01923456-789a");
  EXPECT_EQ(id.substr(24), "beef01000000");
}

TEST(ClientMsgIds, SortByTimeAcrossClients) {
  ClientMsgIds early(0x3ffffff, 0xffffff);
  ClientMsgIds late(0, 0);
  EXPECT_LT(next(early, 1'700'000'000'000), next(late, 1'700'000'000'001));
}

TEST(ClientMsgIds, NeverRepeatWithinAMillisecondNorAcrossClientsOrProcesses) {
  std::set<std::string> seen;
  for (std::uint32_t client : {0U, 1U, 0x4000U}) {
    for (std::uint32_t nonce : {0U, 1U}) {
      ClientMsgIds ids(client, nonce);
      for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(next(ids, 42)).second);
    }
  }
  EXPECT_EQ(seen.size(), 6000U);
}

TEST(ClientMsgIds, AppendToWhatIsAlreadyThere) {
  ClientMsgIds ids(7, 7);
  std::string frame = R"({"client_msg_id":")";
  ids.append_next(frame, 1);
  EXPECT_EQ(frame.size(), 18U + 36U);
  EXPECT_EQ(frame.substr(18, 13), "00000000-0001");
}

}  // namespace
}  // namespace messenger::bench
