// The refusal-log throttle of the allowlist stage: one line per address per
// interval, and the next line counts what was left out.
#include <gtest/gtest.h>

#include "server/allowlist_stage.h"

namespace citadel::server {
namespace {

TEST(LogThrottleTest, OneLinePerKeyPerInterval) {
  ManualClock clock(1700000000);
  LogThrottle throttle(clock, 10000);
  EXPECT_EQ(throttle.Admit("10.0.0.1"), 0);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(throttle.Admit("10.0.0.1"), -1);
  EXPECT_EQ(throttle.Admit("10.0.0.2"), 0);  // another peer has its own line
  clock.AdvanceMillis(9999);
  EXPECT_EQ(throttle.Admit("10.0.0.1"), -1);
  clock.AdvanceMillis(1);
  EXPECT_EQ(throttle.Admit("10.0.0.1"), 51);  // the 51 left out, counted
  EXPECT_EQ(throttle.Admit("10.0.0.1"), -1);
  clock.AdvanceSeconds(10);
  EXPECT_EQ(throttle.Admit("10.0.0.1"), 1);
}

TEST(LogThrottleTest, MemoryStaysBoundedUnderAScan) {
  ManualClock clock(1700000000);
  LogThrottle throttle(clock, 10000, /*max_keys=*/100);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(throttle.Admit("peer" + std::to_string(i)), 0);
}

}  // namespace
}  // namespace citadel::server
