// RedisRateLimiter: the budgets of rate_limiter.h kept in Redis, so that
// every replica pointed at the same server (ratelimit.backend =
// redis://HOST:PORT) draws on one budget per subject. Each call is one
// EVALSHA of one Lua script that reads, refills and updates the subject's
// buckets atomically with Redis's own clock (TIME), so replicas with
// skewed clocks still agree. The bucket arithmetic is token_bucket.h's.
//
// Keys, per subject S (the braces keep them in one cluster slot):
//   citadel:rl:{S}:r  request bucket   hash l (level), t (ms); expires when full
//   citadel:rl:{S}:t  token bucket     same
//   citadel:rl:{S}:s  open stream leases, sorted set lease -> expiry ms (a
//                     replica that dies mid-stream frees its slots at expiry)
//
//   CITADEL_ASSIGN_OR_RETURN(RedisEndpoint at, ParseRedisUrl("redis://127.0.0.1:6379"));
//   RedisRateLimiter limiter({.endpoint = at});
//
// Failure: Unavailable naming the endpoint when Redis cannot be reached or
// answers with an error. After a failed connect, calls fail at once for
// retry_connect_ms instead of waiting on every request.
//
// Thread-safe: a small pool of blocking hiredis connections, one per
// concurrent caller, guarded by a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "security/rate_limiter.h"

struct redisContext;  // hiredis; <hiredis/hiredis.h> stays out of this header

namespace citadel::security {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
};

// "redis://HOST[:PORT]"; InvalidArgument naming ratelimit.backend otherwise.
Result<RedisEndpoint> ParseRedisUrl(std::string_view url);

struct RedisRateLimiterOptions {
  RedisEndpoint endpoint;
  int connect_timeout_ms = 200;
  int command_timeout_ms = 200;
  std::int64_t stream_lease_ttl_ms = 11 * 60 * 1000;  // > server.request_timeout_s
  std::int64_t retry_connect_ms = 1000;
  size_t max_idle_connections = 16;
};

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(RedisRateLimiterOptions options);
  ~RedisRateLimiter() override;
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  Result<RateCheck> Admit(std::string_view subject, const RateLimits& limits,
                          std::string_view stream_lease) override;
  Result<BucketReport> ChargeTokens(std::string_view subject, const RateLimits& limits,
                                    std::int64_t tokens) override;
  Status ReleaseStream(std::string_view subject, std::string_view stream_lease) override;

  // "redis://HOST:PORT", for messages.
  std::string Where() const;

 private:
  // The script's six integers: refused kind, retry ms, request remaining
  // and reset ms, token remaining and reset ms.
  Result<std::vector<std::int64_t>> Run(std::string_view op, std::string_view subject,
                                        const RateLimits& limits, std::string_view arg);
  Result<redisContext*> Acquire();
  void Return(redisContext* context);

  const RedisRateLimiterOptions options_;
  const std::string script_sha1_;
  std::mutex mu_;
  std::vector<redisContext*> idle_;  // guarded by mu_
  std::atomic<std::int64_t> connect_blocked_until_ms_{0};
};

}  // namespace citadel::security
