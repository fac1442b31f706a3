// LocalRateLimiter: the budgets of rate_limiter.h as token buckets in this
// process (token_bucket.h), for one replica, and the fallback when Redis is
// down. Buckets start full on a subject's first request.
//
//   ManualClock clock(0);
//   LocalRateLimiter limiter(clock);
//
// Thread-safe: one mutex guards the subjects; a check is a hash lookup and
// a few arithmetic operations under it.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "security/rate_limiter.h"
#include "security/token_bucket.h"
#include "util/clock.h"

namespace citadel::security {

class LocalRateLimiter final : public RateLimiter {
 public:
  explicit LocalRateLimiter(const Clock& clock) : clock_(clock) {}

  Result<RateCheck> Admit(std::string_view subject, const RateLimits& limits,
                          std::string_view stream_lease) override;
  Result<BucketReport> ChargeTokens(std::string_view subject, const RateLimits& limits,
                                    std::int64_t tokens) override;
  Status ReleaseStream(std::string_view subject, std::string_view stream_lease) override;

 private:
  struct Budget {
    TokenBucket requests;
    TokenBucket tokens;
    std::unordered_set<std::string> leases;
  };
  Budget& BudgetOf(std::string_view subject, const RateLimits& limits, std::int64_t now_ms);

  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Budget> budgets_;  // guarded by mu_
};

}  // namespace citadel::security
