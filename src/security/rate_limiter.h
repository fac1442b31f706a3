// RateLimiter: per-subject budgets (a subject is "key:42", "user:7", ...):
// requests per minute, tokens per minute (prompt + completion, charged as
// tokens are produced) and concurrent streams. Two backends behind this one
// seam: LocalRateLimiter (token buckets in this process) and
// RedisRateLimiter (the same buckets in Redis, one atomic script per call,
// so that several replicas share one budget); FallbackRateLimiter puts the
// ratelimit.on_backend_error policy in front of Redis.
//
//   RateCheck check = TRY(limiter.Admit("key:42", limits, stream ? lease : ""));
//   if (!check.allowed) -> 429, Retry-After: check.retry_after_ms
//   ... as tokens are produced:
//   BucketReport left = TRY(limiter.ChargeTokens("key:42", limits, n));
//   if (left.limit > 0 && left.remaining == 0) -> end the stream ("length")
//   limiter.ReleaseStream("key:42", lease);        // when the stream ends
//
// Failure: Unavailable when a shared backend cannot be reached (the
// message says where); never for a refusal, which is a RateCheck.
//
// Thread contract: every implementation is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace citadel::security {

// 0 means unlimited in each field.
struct RateLimits {
  std::int64_t requests_per_minute = 0;
  std::int64_t tokens_per_minute = 0;
  std::int64_t concurrent_streams = 0;
};

// One bucket as OpenAI's x-ratelimit-* headers report it.
struct BucketReport {
  std::int64_t limit = 0;      // 0: unlimited (no headers)
  std::int64_t remaining = 0;  // whole units left
  std::int64_t reset_ms = 0;   // until the bucket is full again
};

enum class RateLimitKind { kNone, kRequests, kTokens, kStreams };

// "requests", "tokens", "concurrent streams" (for messages).
std::string_view RateLimitKindName(RateLimitKind kind);

struct RateCheck {
  bool allowed = true;
  RateLimitKind refused_by = RateLimitKind::kNone;
  std::int64_t retry_after_ms = 0;  // when refused: until the refusing budget has room
  BucketReport requests;            // after this request was counted
  BucketReport tokens;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Counts one request of `subject`, all or nothing: allowed when its
  // request bucket has one left, its token bucket is not empty and, for a
  // stream (`stream_lease` non-empty, unique per request), fewer than
  // concurrent_streams leases are open; the lease is then held until
  // ReleaseStream.
  virtual Result<RateCheck> Admit(std::string_view subject, const RateLimits& limits,
                                  std::string_view stream_lease) = 0;
  // Takes `tokens` from the token bucket (stopping at empty) and reports it.
  virtual Result<BucketReport> ChargeTokens(std::string_view subject, const RateLimits& limits,
                                            std::int64_t tokens) = 0;
  // Ends a stream lease taken by Admit; unknown leases are ignored.
  virtual Status ReleaseStream(std::string_view subject, std::string_view stream_lease) = 0;
};

}  // namespace citadel::security
