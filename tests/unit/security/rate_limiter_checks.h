// Behaviour every RateLimiter backend must show, run against the local
// buckets (local_rate_limiter_test.cc) and a real Redis
// (redis_rate_limiter_test.cc). Each check uses its own subject and
// finishes well inside one refill interval, so it holds on the real clock.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "security/rate_limiter.h"

namespace citadel::security::testing {

// A 100/min subject gets exactly 100 requests in a burst; the headers count
// down; the refusal names the request budget and when it has room again.
inline void ExpectRequestBurst(RateLimiter& limiter, const std::string& subject) {
  const RateLimits limits{100, 0, 0};
  for (int i = 0; i < 100; ++i) {
    auto check = limiter.Admit(subject, limits, "");
    ASSERT_TRUE(check.ok()) << check.status().message();
    ASSERT_TRUE(check->allowed) << "request " << i;
    EXPECT_EQ(check->requests.limit, 100);
    EXPECT_EQ(check->requests.remaining, 99 - i);
    EXPECT_EQ(check->tokens.limit, 0);  // unlimited: no token headers
  }
  auto refused = limiter.Admit(subject, limits, "");
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->refused_by, RateLimitKind::kRequests);
  EXPECT_GT(refused->retry_after_ms, 0);
  EXPECT_LE(refused->retry_after_ms, 600);
  EXPECT_EQ(refused->requests.remaining, 0);
  EXPECT_GT(refused->requests.reset_ms, 59000);
}

// Tokens are charged as produced; an empty token bucket refuses the next
// request even while requests are left.
inline void ExpectTokenBudget(RateLimiter& limiter, const std::string& subject) {
  const RateLimits limits{1000, 100, 0};
  auto first = limiter.Admit(subject, limits, "");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->tokens.limit, 100);
  EXPECT_EQ(first->tokens.remaining, 100);
  auto after_prompt = limiter.ChargeTokens(subject, limits, 60);
  ASSERT_TRUE(after_prompt.ok());
  EXPECT_EQ(after_prompt->remaining, 40);
  auto exhausted = limiter.ChargeTokens(subject, limits, 45);
  ASSERT_TRUE(exhausted.ok());
  EXPECT_EQ(exhausted->remaining, 0);  // stops at empty, no debt
  auto refused = limiter.Admit(subject, limits, "");
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->refused_by, RateLimitKind::kTokens);
  EXPECT_GT(refused->retry_after_ms, 0);
  EXPECT_LE(refused->retry_after_ms, 600);
}

// Streams hold a slot until released; requests that are not streams do not.
inline void ExpectStreamSlots(RateLimiter& limiter, const std::string& subject) {
  const RateLimits limits{0, 0, 2};
  for (const char* lease : {"a", "b"}) {
    auto check = limiter.Admit(subject, limits, lease);
    ASSERT_TRUE(check.ok()) << check.status().message();
    EXPECT_TRUE(check->allowed) << lease;
  }
  auto third = limiter.Admit(subject, limits, "c");
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->allowed);
  EXPECT_EQ(third->refused_by, RateLimitKind::kStreams);
  auto plain = limiter.Admit(subject, limits, "");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->allowed);
  ASSERT_TRUE(limiter.ReleaseStream(subject, "a").ok());
  auto again = limiter.Admit(subject, limits, "c");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->allowed);
}

// Subjects do not share budgets; unlimited subjects are never refused.
inline void ExpectIndependentSubjects(RateLimiter& limiter, const std::string& prefix) {
  const RateLimits one{1, 0, 0};
  ASSERT_TRUE(limiter.Admit(prefix + "a", one, "")->allowed);
  EXPECT_FALSE(limiter.Admit(prefix + "a", one, "")->allowed);
  EXPECT_TRUE(limiter.Admit(prefix + "b", one, "")->allowed);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(limiter.Admit(prefix + "c", {}, "x")->allowed);
}

}  // namespace citadel::security::testing
