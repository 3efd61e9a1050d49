#include "checkpoint_round.h"

#include <gtest/gtest.h>

namespace messenger::storage::sqlite {
namespace {

constexpr int kFinishFrames = 100;

TEST(CheckpointRound, EndsOnceNoMoreThanTheWritersShareIsLeft) {
  CheckpointRound round(kFinishFrames);
  EXPECT_FALSE(round.ends_after(1'000, 500));
  EXPECT_FALSE(round.ends_after(1'400, 101));
  EXPECT_TRUE(round.ends_after(1'500, kFinishFrames));
}

TEST(CheckpointRound, AFirstPassThatLeavesMuchIsNoSignOfSaturation) {
  // Only the passes after it can fail to shrink the rest: here the third of them ends the round.
  CheckpointRound round(kFinishFrames);
  EXPECT_FALSE(round.ends_after(1'000, 5'000));
  EXPECT_FALSE(round.ends_after(2'000, 5'000));
  EXPECT_FALSE(round.ends_after(3'000, 5'000));
  EXPECT_TRUE(round.ends_after(4'000, 5'000));
}

TEST(CheckpointRound, EndsAfterThreePassesInARowThatDoNotShrinkTheRest) {
  CheckpointRound round(kFinishFrames);
  EXPECT_FALSE(round.ends_after(1'000, 500));
  EXPECT_FALSE(round.ends_after(1'500, 500));  // as many left: not shrinking, once
  EXPECT_FALSE(round.ends_after(2'000, 600));  // twice
  EXPECT_TRUE(round.ends_after(2'500, 700));   // three times: the commits outpace the passes
}

TEST(CheckpointRound, APassThatShrinksTheRestStartsTheCountAgain) {
  CheckpointRound round(kFinishFrames);
  EXPECT_FALSE(round.ends_after(1'000, 500));
  EXPECT_FALSE(round.ends_after(1'500, 600));  // one slow pass (a busy core)
  EXPECT_FALSE(round.ends_after(2'000, 650));  // two
  EXPECT_FALSE(round.ends_after(2'600, 300));  // shrinking again
  EXPECT_FALSE(round.ends_after(3'000, 400));
  EXPECT_FALSE(round.ends_after(3'400, 450));
  EXPECT_TRUE(round.ends_after(3'800, 450));
}

TEST(CheckpointRound, EndsWhenAPassCopiesNoFurtherThanTheOneBefore) {
  // A reader's snapshot pins the copy: another pass would copy nothing.
  CheckpointRound round(kFinishFrames);
  EXPECT_FALSE(round.ends_after(1'000, 500));
  EXPECT_TRUE(round.ends_after(1'000, 300));
}

}  // namespace
}  // namespace messenger::storage::sqlite
