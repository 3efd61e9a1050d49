#include "messenger/core/error.h"

#include <gtest/gtest.h>

namespace messenger::core {
namespace {

TEST(ErrcFromString, ReadsBackEveryWireSpelling) {
  for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
    const auto code = static_cast<Errc>(i);
    EXPECT_EQ(errc_from_string(to_string(code)), code) << to_string(code);
  }
}

TEST(ErrcFromString, UnknownSpellingsGiveNothing) {
  EXPECT_EQ(errc_from_string("teapot"), std::nullopt);
  EXPECT_EQ(errc_from_string(""), std::nullopt);
  EXPECT_EQ(errc_from_string("Not_Member"), std::nullopt);  // the spelling is exact
}

}  // namespace
}  // namespace messenger::core
