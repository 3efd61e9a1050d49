#include "json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace messenger::protocol::detail {
namespace {

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

TEST(JsonDepth, CountsArraysAndObjectsUpToTheLimit) {
  EXPECT_FALSE(json_depth_exceeds("", 0));
  EXPECT_FALSE(json_depth_exceeds("42", 0));
  EXPECT_TRUE(json_depth_exceeds("[]", 0));
  EXPECT_FALSE(json_depth_exceeds(nested_arrays(16), 16));
  EXPECT_TRUE(json_depth_exceeds(nested_arrays(17), 16));
  EXPECT_FALSE(json_depth_exceeds(R"({"a":{"b":[1,{"c":2}]}})", 4));
  EXPECT_TRUE(json_depth_exceeds(R"({"a":{"b":[1,{"c":2}]}})", 3));
}

TEST(JsonDepth, SiblingsDoNotAddUp) {
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += "[[]],";
  wide += "[]]";
  EXPECT_FALSE(json_depth_exceeds(wide, 3));
  EXPECT_TRUE(json_depth_exceeds(wide, 2));
}

TEST(JsonDepth, SkipsStringContentsAndEscapedQuotes) {
  EXPECT_FALSE(json_depth_exceeds(R"(["[[[[{{{{"])", 1));
  EXPECT_FALSE(json_depth_exceeds(R"(["\"[[[[", "\\"])", 1));
  // After an escaped backslash the quote does end the string, so the brackets count.
  EXPECT_TRUE(json_depth_exceeds(R"(["\\", [[]]])", 2));
  EXPECT_FALSE(json_depth_exceeds(R"(["\\", [[]]])", 3));
}

TEST(JsonDepth, AHundredThousandLevelsAreRejectedWithoutRecursion) {
  EXPECT_TRUE(json_depth_exceeds(std::string(100'000, '['), 16));
  EXPECT_TRUE(json_depth_exceeds(std::string(100'000, '{'), 16));
}

TEST(JsonDepth, StrayClosersDoNotHideDeepNesting) {
  EXPECT_TRUE(json_depth_exceeds(std::string(100, ']') + nested_arrays(17), 16));
  EXPECT_FALSE(json_depth_exceeds(std::string(100, '}') + nested_arrays(16), 16));
}

}  // namespace
}  // namespace messenger::protocol::detail
