#include "engine/stop_matcher.h"

#include <gtest/gtest.h>

namespace citadel::engine {
namespace {

TEST(StopMatcherTest, PassesTextThroughWithoutStopStrings) {
  StopMatcher m({});
  EXPECT_EQ(m.Push("hello ").text, "hello ");
  EXPECT_EQ(m.Push("world").text, "world");
  EXPECT_EQ(m.Flush(), "");
}

TEST(StopMatcherTest, HoldsBackAPartialMatchAndReleasesItOnMismatch) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.Push("the E").text, "the ");
  EXPECT_EQ(m.Push("N").text, "");
  StopMatcher::Output out = m.Push("x");
  EXPECT_EQ(out.text, "ENx");
  EXPECT_FALSE(out.stopped);
}

TEST(StopMatcherTest, StopSplitAcrossPiecesNeverLeaks) {
  StopMatcher m({"END"});
  std::string shown = m.Push("the E").text;
  shown += m.Push("N").text;
  StopMatcher::Output out = m.Push("D and more");
  shown += out.text;
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(shown, "the ");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.Push("after").text, "");
  EXPECT_EQ(m.Flush(), "");
}

TEST(StopMatcherTest, StopInsideOnePieceCutsBeforeIt) {
  StopMatcher m({"\n\n", "User:"});
  StopMatcher::Output out = m.Push("answer.\n\nUser: hi");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "answer.");
}

TEST(StopMatcherTest, EarliestOfSeveralStopsWins) {
  StopMatcher m({"bc", "abcd"});
  // Both occur; the cut is where the earliest one starts ("abcd" at 1), not
  // at the first one listed ("bc" at 2).
  StopMatcher::Output out = m.Push("xabcd");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "x");
}

TEST(StopMatcherTest, FlushReturnsHeldTailWhenGenerationEndsOtherwise) {
  StopMatcher m({"###"});
  EXPECT_EQ(m.Push("done #").text, "done ");
  EXPECT_EQ(m.Push("#").text, "");
  EXPECT_EQ(m.Flush(), "##");
}

TEST(StopMatcherTest, HoldsTheLongestPossiblePrefix) {
  StopMatcher m({"aab"});
  EXPECT_EQ(m.Push("xaa").text, "x");
  EXPECT_EQ(m.Push("a").text, "a");  // "aaa": only "aa" can still start "aab"
  StopMatcher::Output out = m.Push("b");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "");
}

TEST(StopMatcherTest, MultiByteStopStrings) {
  StopMatcher m({"——"});
  EXPECT_EQ(m.Push("é—").text, "é");
  StopMatcher::Output out = m.Push("—");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "");
}

}  // namespace
}  // namespace citadel::engine
