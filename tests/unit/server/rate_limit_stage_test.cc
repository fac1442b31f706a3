// The rate-limit stage's pure parts: a key's effective limits and OpenAI's
// reset-duration form. The stage on the wire is in
// tests/integration/ratelimit.test.mjs.
#include "server/rate_limit_stage.h"

#include <gtest/gtest.h>

#include "security/key_authenticator.h"

namespace citadel::server {
namespace {

TEST(RateLimitStageTest, ResetDurationsReadLikeOpenAis) {
  EXPECT_EQ(ResetDuration(0), "0ms");
  EXPECT_EQ(ResetDuration(250), "250ms");
  EXPECT_EQ(ResetDuration(1000), "1s");
  EXPECT_EQ(ResetDuration(1560), "1.5s");
  EXPECT_EQ(ResetDuration(59999), "59.9s");
  EXPECT_EQ(ResetDuration(360000), "6m0s");
  EXPECT_EQ(ResetDuration(61500), "1m1s");
}

TEST(RateLimitStageTest, KeysWithoutTheirOwnRequestLimitGetTheDefault) {
  security::KeyIdentity key;
  RateLimitOptions options;
  options.default_rpm = 100;
  EXPECT_EQ(LimitsOf(key, options).requests_per_minute, 100);
  EXPECT_EQ(LimitsOf(key, options).tokens_per_minute, 0);
  key.limits = {5, 1000, 2};
  const security::RateLimits own = LimitsOf(key, options);
  EXPECT_EQ(own.requests_per_minute, 5);
  EXPECT_EQ(own.tokens_per_minute, 1000);
  EXPECT_EQ(own.concurrent_streams, 2);
}

TEST(RateLimitStageTest, RequestsWithoutAKeyAreNotLimited) {
  ManualClock clock(1700000000);
  auto limiter = MakeRateLimiter({"local", "local"}, clock);
  ASSERT_TRUE(limiter.ok());
  const RateLimitVerdict verdict = RateLimitStage(limiter->get(), {}, "/v1/models", {});
  EXPECT_FALSE(verdict.refusal);
  EXPECT_TRUE(verdict.headers.empty());
  EXPECT_FALSE(MakeRateLimiter({"redis://", "local"}, clock).ok());
  EXPECT_FALSE(MakeRateLimiter({"local", "allow"}, clock).ok());
  EXPECT_EQ(MakeRateLimiter({"off", "local"}, clock)->get(), nullptr);
}

}  // namespace
}  // namespace citadel::server
