#include "security/fallback_rate_limiter.h"

namespace citadel::security {

Result<BackendErrorPolicy> ParseBackendErrorPolicy(std::string_view text) {
  if (text == "deny") return BackendErrorPolicy::kDeny;
  if (text == "local") return BackendErrorPolicy::kLocal;
  return InvalidArgumentError("setting ratelimit.on_backend_error: '" + std::string(text) +
                              "' is not deny or local");
}

FallbackRateLimiter::FallbackRateLimiter(std::unique_ptr<RateLimiter> shared,
                                         std::unique_ptr<RateLimiter> local,
                                         BackendErrorPolicy policy, ChangeCallback on_change)
    : shared_(std::move(shared)),
      local_(std::move(local)),
      policy_(policy),
      on_change_(std::move(on_change)) {}

void FallbackRateLimiter::Observe(const Status& status) {
  const bool failed = status.code() == StatusCode::kUnavailable;
  {
    std::lock_guard lock(mu_);
    if (failed == down_) return;
    down_ = failed;
  }
  if (on_change_) on_change_(status);
}

Result<RateCheck> FallbackRateLimiter::Admit(std::string_view subject, const RateLimits& limits,
                                             std::string_view stream_lease) {
  Result<RateCheck> check = shared_->Admit(subject, limits, stream_lease);
  Observe(check.status());
  if (check.ok() || check.status().code() != StatusCode::kUnavailable ||
      policy_ == BackendErrorPolicy::kDeny) {
    return check;
  }
  Result<RateCheck> local = local_->Admit(subject, limits, stream_lease);
  if (local.ok() && local->allowed && !stream_lease.empty()) {
    std::lock_guard lock(mu_);
    local_leases_.emplace(stream_lease);
  }
  return local;
}

Result<BucketReport> FallbackRateLimiter::ChargeTokens(std::string_view subject,
                                                       const RateLimits& limits,
                                                       std::int64_t tokens) {
  Result<BucketReport> report = shared_->ChargeTokens(subject, limits, tokens);
  Observe(report.status());
  if (report.ok() || report.status().code() != StatusCode::kUnavailable ||
      policy_ == BackendErrorPolicy::kDeny) {
    return report;
  }
  return local_->ChargeTokens(subject, limits, tokens);
}

Status FallbackRateLimiter::ReleaseStream(std::string_view subject, std::string_view stream_lease) {
  bool local = false;
  {
    std::lock_guard lock(mu_);
    local = local_leases_.erase(std::string(stream_lease)) > 0;
  }
  if (local) return local_->ReleaseStream(subject, stream_lease);
  // A lease Redis cannot free now expires there on its own (its TTL).
  const Status released = shared_->ReleaseStream(subject, stream_lease);
  Observe(released);
  return released;
}

}  // namespace citadel::security
