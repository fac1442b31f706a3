// The in-process rate-limit backend, on an injected clock.
#include "security/local_rate_limiter.h"

#include <gtest/gtest.h>

#include "unit/security/rate_limiter_checks.h"

namespace citadel::security {
namespace {

TEST(LocalRateLimiterTest, RequestBurst) {
  ManualClock clock(1700000000);
  LocalRateLimiter limiter(clock);
  testing::ExpectRequestBurst(limiter, "key:1");
}

TEST(LocalRateLimiterTest, TokenBudget) {
  ManualClock clock(1700000000);
  LocalRateLimiter limiter(clock);
  testing::ExpectTokenBudget(limiter, "key:1");
}

TEST(LocalRateLimiterTest, StreamSlots) {
  ManualClock clock(1700000000);
  LocalRateLimiter limiter(clock);
  testing::ExpectStreamSlots(limiter, "key:1");
}

TEST(LocalRateLimiterTest, IndependentSubjects) {
  ManualClock clock(1700000000);
  LocalRateLimiter limiter(clock);
  testing::ExpectIndependentSubjects(limiter, "key:");
}

TEST(LocalRateLimiterTest, RefusedRequestsPassAgainAsTheBucketRefills) {
  ManualClock clock(1700000000);
  LocalRateLimiter limiter(clock);
  const RateLimits limits{60, 0, 0};  // one per second
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.Admit("k", limits, "")->allowed);
  auto refused = limiter.Admit("k", limits, "");
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->retry_after_ms, 1000);
  clock.AdvanceMillis(999);
  EXPECT_FALSE(limiter.Admit("k", limits, "")->allowed);
  clock.AdvanceMillis(1);
  auto passed = limiter.Admit("k", limits, "");
  EXPECT_TRUE(passed->allowed);
  EXPECT_EQ(passed->requests.remaining, 0);
  clock.AdvanceSeconds(60);
  EXPECT_EQ(limiter.Admit("k", limits, "")->requests.remaining, 59);
}

TEST(LocalRateLimiterTest, ARefusalTakesNothing) {
  ManualClock clock(1700000000);
  LocalRateLimiter limiter(clock);
  const RateLimits limits{10, 0, 1};
  ASSERT_TRUE(limiter.Admit("k", limits, "s1")->allowed);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Admit("k", limits, "s2")->allowed);
  // Five refused streams took no requests: 9 - 0 are still there.
  EXPECT_EQ(limiter.Admit("k", limits, "")->requests.remaining, 8);
}

}  // namespace
}  // namespace citadel::security
