#include "security/local_rate_limiter.h"

namespace citadel::security {
namespace {

BucketReport Report(TokenBucket& bucket, std::int64_t now_ms, std::int64_t limit) {
  if (limit <= 0) return {};
  return {limit, bucket.Remaining(now_ms, limit), bucket.MillisUntilFull(now_ms, limit)};
}

}  // namespace

LocalRateLimiter::Budget& LocalRateLimiter::BudgetOf(std::string_view subject,
                                                     const RateLimits& limits,
                                                     std::int64_t now_ms) {
  auto it = budgets_.find(std::string(subject));
  if (it == budgets_.end()) {
    it = budgets_
             .emplace(std::string(subject), Budget{TokenBucket(now_ms, limits.requests_per_minute),
                                                   TokenBucket(now_ms, limits.tokens_per_minute),
                                                   {}})
             .first;
  }
  return it->second;
}

Result<RateCheck> LocalRateLimiter::Admit(std::string_view subject, const RateLimits& limits,
                                          std::string_view stream_lease) {
  const std::int64_t now = clock_.SteadyMillis();
  std::lock_guard lock(mu_);
  Budget& budget = BudgetOf(subject, limits, now);
  RateCheck check;
  const std::int64_t rpm = limits.requests_per_minute;
  const std::int64_t tpm = limits.tokens_per_minute;
  // Leases are kept only while streams are limited: nothing to count otherwise.
  const bool stream_limited = !stream_lease.empty() && limits.concurrent_streams > 0;
  if (rpm > 0 && budget.requests.Remaining(now, rpm) < 1) {
    check = {false, RateLimitKind::kRequests, budget.requests.MillisUntil(now, rpm, 1)};
  } else if (tpm > 0 && budget.tokens.Remaining(now, tpm) < 1) {
    check = {false, RateLimitKind::kTokens, budget.tokens.MillisUntil(now, tpm, 1)};
  } else if (stream_limited &&
             static_cast<std::int64_t>(budget.leases.size()) >= limits.concurrent_streams) {
    // A stream slot frees when a stream ends; a second is a fair first retry.
    check = {false, RateLimitKind::kStreams, 1000};
  } else {
    if (rpm > 0) budget.requests.TryTake(now, rpm, 1);
    if (stream_limited) budget.leases.emplace(stream_lease);
  }
  check.requests = Report(budget.requests, now, rpm);
  check.tokens = Report(budget.tokens, now, tpm);
  return check;
}

Result<BucketReport> LocalRateLimiter::ChargeTokens(std::string_view subject,
                                                    const RateLimits& limits, std::int64_t tokens) {
  const std::int64_t now = clock_.SteadyMillis();
  std::lock_guard lock(mu_);
  Budget& budget = BudgetOf(subject, limits, now);
  if (limits.tokens_per_minute <= 0) return BucketReport{};
  budget.tokens.Drain(now, limits.tokens_per_minute, tokens);
  return Report(budget.tokens, now, limits.tokens_per_minute);
}

Status LocalRateLimiter::ReleaseStream(std::string_view subject, std::string_view stream_lease) {
  std::lock_guard lock(mu_);
  auto it = budgets_.find(std::string(subject));
  if (it != budgets_.end()) it->second.leases.erase(std::string(stream_lease));
  return OkStatus();
}

}  // namespace citadel::security
