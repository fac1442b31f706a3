// FallbackRateLimiter: ratelimit.on_backend_error in front of a shared
// backend (Redis). While the backend answers, it decides. When a call fails
// (Unavailable), the policy does:
//   deny   the call fails (the server answers 503): no request passes
//          unmetered while the shared budget cannot be read
//   local  this process's own buckets decide until the backend is back
//          (each replica then enforces the limit on its own)
// The first failure of an outage and the recovery are reported once each
// through `on_change` (the server logs them), never once per request.
//
// Stream leases remember where they were taken, so that a stream admitted
// locally during an outage frees its local slot even after recovery.
//
// Thread-safe when both backends are; `on_change` may be called from any
// thread, at most once per transition.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "security/rate_limiter.h"

namespace citadel::security {

enum class BackendErrorPolicy { kDeny, kLocal };

// "deny" or "local"; InvalidArgument naming ratelimit.on_backend_error otherwise.
Result<BackendErrorPolicy> ParseBackendErrorPolicy(std::string_view text);

class FallbackRateLimiter final : public RateLimiter {
 public:
  // `on_change(status)`: a non-OK status when an outage starts (its
  // message says why), OK when the backend answers again.
  using ChangeCallback = std::function<void(const Status&)>;

  FallbackRateLimiter(std::unique_ptr<RateLimiter> shared, std::unique_ptr<RateLimiter> local,
                      BackendErrorPolicy policy, ChangeCallback on_change);

  Result<RateCheck> Admit(std::string_view subject, const RateLimits& limits,
                          std::string_view stream_lease) override;
  Result<BucketReport> ChargeTokens(std::string_view subject, const RateLimits& limits,
                                    std::int64_t tokens) override;
  Status ReleaseStream(std::string_view subject, std::string_view stream_lease) override;

 private:
  // Records the backend's health from one call's outcome.
  void Observe(const Status& status);

  const std::unique_ptr<RateLimiter> shared_;
  const std::unique_ptr<RateLimiter> local_;
  const BackendErrorPolicy policy_;
  const ChangeCallback on_change_;
  std::mutex mu_;
  bool down_ = false;                             // guarded by mu_
  std::unordered_set<std::string> local_leases_;  // guarded by mu_
};

}  // namespace citadel::security
