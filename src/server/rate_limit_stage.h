// The pipeline's rate-limit stage (accept -> allowlist -> TLS -> parse ->
// authenticate -> authorise -> rate-limit -> handler): the budgets of the
// caller's key (security/rate_limiter.h), checked once per request after
// the key is known and charged with tokens as the job produces them.
//
//   RateLimitVerdict verdict = RateLimitStage(limiter, options, path, request.context);
//   if (verdict.refusal) -> answer it (with verdict.headers)
//   ... every answer of the request carries verdict.headers; a generation
//   job gets verdict.ticket as its TokenMeter.
//
// A key's limits are its own (citadel keys create --rpm/--tpm/--streams);
// a key created without a requests limit gets ratelimit.default_rpm.
// Requests without a key (open routes, auth.mode = none) are not limited.
// Concurrent streams count the key's generation requests in flight
// (/v1/chat/completions and /v1/completions, streaming or not).
//
// Answers:
//   429 requests|tokens / rate_limit_exceeded, Retry-After: seconds until
//       the refusing budget has room again
//   503 service_unavailable / rate_limit_backend_unavailable under
//       ratelimit.on_backend_error = deny while Redis is unreachable
// Headers (OpenAI's): x-ratelimit-limit-requests, -remaining-requests,
// -reset-requests and the -tokens trio, for the limited budgets only.
//
// Thread-safe (the limiter is); a ticket belongs to one job.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "security/rate_limiter.h"
#include "server/api_error.h"
#include "server/generation_job.h"
#include "server/request_context.h"
#include "util/clock.h"
#include "util/status.h"

namespace citadel::server {

struct RateLimitOptions {
  std::int64_t default_rpm = 100;  // for keys created without their own limit
};

// The key's own limits, with default_rpm filling an unset requests limit.
security::RateLimits LimitsOf(const security::KeyIdentity& key, const RateLimitOptions& options);

// "250ms", "1.5s", "6m0s": OpenAI's form of the x-ratelimit-reset-* values.
std::string ResetDuration(std::int64_t ms);

// A generation request's hold on its key's budget: charges its tokens and,
// when destroyed, frees its stream slot.
class RateLimitTicket final : public TokenMeter {
 public:
  RateLimitTicket(security::RateLimiter& limiter, std::string subject, security::RateLimits limits,
                  std::string lease);
  ~RateLimitTicket() override;
  // False once the key's tokens/min budget is spent. A backend error does
  // not end a stream that was admitted.
  bool Charge(std::int64_t tokens) override;

 private:
  security::RateLimiter& limiter_;
  const std::string subject_;
  const security::RateLimits limits_;
  const std::string lease_;
};

struct RateLimitVerdict {
  std::optional<ApiError> refusal;
  std::vector<std::pair<std::string, std::string>> headers;  // x-ratelimit-*
  std::unique_ptr<RateLimitTicket> ticket;                   // generation routes only
};

struct RateLimitSettings {
  std::string backend = "local";           // ratelimit.backend: local | off | redis://HOST:PORT
  std::string on_backend_error = "local";  // ratelimit.on_backend_error: deny | local
};

// The limiter the settings ask for (null for "off"); a Redis backend sits
// behind the on_backend_error policy and logs each outage once
// ("ratelimit_backend_down" / "ratelimit_backend_up"). InvalidArgument
// naming the setting for a bad value.
Result<std::unique_ptr<security::RateLimiter>> MakeRateLimiter(const RateLimitSettings& settings,
                                                               const Clock& clock);

// `limiter` null: rate limiting is off.
RateLimitVerdict RateLimitStage(security::RateLimiter* limiter, const RateLimitOptions& options,
                                std::string_view path, const RequestContext& context);

}  // namespace citadel::server
