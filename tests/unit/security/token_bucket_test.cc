// The per-minute bucket arithmetic both rate-limit backends share.
#include "security/token_bucket.h"

#include <gtest/gtest.h>

namespace citadel::security {
namespace {

TEST(TokenBucketTest, StartsFullAndAllowsABurstOfItsCapacity) {
  TokenBucket bucket(0, 100);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(bucket.TryTake(0, 100, 1)) << i;
  EXPECT_FALSE(bucket.TryTake(0, 100, 1));
  EXPECT_EQ(bucket.Remaining(0, 100), 0);
}

TEST(TokenBucketTest, RefillsCapacityPerMinuteContinuously) {
  TokenBucket bucket(0, 100);
  bucket.Drain(0, 100, 100);
  EXPECT_EQ(bucket.MillisUntil(0, 100, 1), 600);  // 60 s / 100
  EXPECT_FALSE(bucket.TryTake(599, 100, 1));
  EXPECT_TRUE(bucket.TryTake(600, 100, 1));
  EXPECT_EQ(bucket.Remaining(30600, 100), 50);
  EXPECT_EQ(bucket.MillisUntilFull(30600, 100), 30000);
  EXPECT_EQ(bucket.Remaining(10 * 60000, 100), 100);  // never above capacity
  EXPECT_EQ(bucket.MillisUntilFull(10 * 60000, 100), 0);
}

TEST(TokenBucketTest, DrainStopsAtEmptyAndTryTakeIsAllOrNothing) {
  TokenBucket bucket(0, 10);
  bucket.Drain(0, 10, 25);
  EXPECT_EQ(bucket.Remaining(0, 10), 0);
  EXPECT_EQ(bucket.MillisUntil(0, 10, 1), 6000);
  TokenBucket other(0, 10);
  EXPECT_FALSE(other.TryTake(0, 10, 11));
  EXPECT_EQ(other.Remaining(0, 10), 10);
}

TEST(TokenBucketTest, ALowerCapacityClampsTheLevel) {
  TokenBucket bucket(0, 100);
  EXPECT_EQ(bucket.Remaining(0, 10), 10);
  EXPECT_TRUE(bucket.TryTake(0, 10, 10));
  EXPECT_FALSE(bucket.TryTake(0, 10, 1));
}

TEST(TokenBucketTest, AClockThatStepsBackAddsNothing) {
  TokenBucket bucket(10000, 60);
  bucket.Drain(10000, 60, 60);
  EXPECT_EQ(bucket.Remaining(5000, 60), 0);
  EXPECT_EQ(bucket.Remaining(11000, 60), 1);
}

}  // namespace
}  // namespace citadel::security
