#include "server/rate_limit_stage.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "security/fallback_rate_limiter.h"
#include "security/key_authenticator.h"
#include "security/local_rate_limiter.h"
#include "security/redis_rate_limiter.h"
#include "server/request_log.h"

namespace citadel::server {
namespace {

// A stream lease id unique across replicas sharing one Redis: 128 random bits.
std::string NewLease() {
  std::random_device random;
  char text[40];
  std::snprintf(text, sizeof(text), "%08x%08x%08x%08x", random(), random(), random(), random());
  return text;
}

bool IsGeneration(std::string_view path) {
  return path == "/v1/chat/completions" || path == "/v1/completions";
}

void AddHeaders(const security::BucketReport& bucket, const char* what,
                std::vector<std::pair<std::string, std::string>>& headers) {
  if (bucket.limit <= 0) return;
  const std::string suffix = std::string("-") + what;
  headers.emplace_back("x-ratelimit-limit" + suffix, std::to_string(bucket.limit));
  headers.emplace_back("x-ratelimit-remaining" + suffix, std::to_string(bucket.remaining));
  headers.emplace_back("x-ratelimit-reset" + suffix, ResetDuration(bucket.reset_ms));
}

ApiError Refusal(const security::RateCheck& check, const security::RateLimits& limits,
                 const security::KeyIdentity& key) {
  const std::int64_t retry_s = std::max<std::int64_t>(1, (check.retry_after_ms + 999) / 1000);
  std::string what;
  std::int64_t limit = 0;
  const char* type = "requests";
  switch (check.refused_by) {
    case security::RateLimitKind::kTokens:
      what = "tokens per minute";
      limit = limits.tokens_per_minute;
      type = "tokens";
      break;
    case security::RateLimitKind::kStreams:
      what = "concurrent streams";
      limit = limits.concurrent_streams;
      break;
    default:
      what = "requests per minute";
      limit = limits.requests_per_minute;
      break;
  }
  return {429,
          "Rate limit reached for " + what + " on key " + key.prefix + ": limit " +
              std::to_string(limit) + "; retry in " + std::to_string(retry_s) + " s",
          type,
          "",
          "rate_limit_exceeded",
          static_cast<int>(retry_s)};
}

}  // namespace

security::RateLimits LimitsOf(const security::KeyIdentity& key, const RateLimitOptions& options) {
  security::RateLimits limits;
  limits.requests_per_minute = key.limits.requests_per_minute.value_or(options.default_rpm);
  limits.tokens_per_minute = key.limits.tokens_per_minute.value_or(0);
  limits.concurrent_streams = key.limits.concurrent_streams.value_or(0);
  return limits;
}

std::string ResetDuration(std::int64_t ms) {
  char text[32];
  if (ms < 1000) {
    std::snprintf(text, sizeof(text), "%lldms", static_cast<long long>(ms));
  } else if (ms < 60000) {
    std::snprintf(text, sizeof(text), "%gs", static_cast<double>(ms / 100) / 10.0);
  } else {
    std::snprintf(text, sizeof(text), "%lldm%llds", static_cast<long long>(ms / 60000),
                  static_cast<long long>((ms % 60000) / 1000));
  }
  return text;
}

Result<std::unique_ptr<security::RateLimiter>> MakeRateLimiter(const RateLimitSettings& settings,
                                                               const Clock& clock) {
  CITADEL_ASSIGN_OR_RETURN(const security::BackendErrorPolicy policy,
                           security::ParseBackendErrorPolicy(settings.on_backend_error));
  if (settings.backend == "off") return std::unique_ptr<security::RateLimiter>();
  if (settings.backend == "local") {
    return std::unique_ptr<security::RateLimiter>(
        std::make_unique<security::LocalRateLimiter>(clock));
  }
  CITADEL_ASSIGN_OR_RETURN(security::RedisEndpoint endpoint,
                           security::ParseRedisUrl(settings.backend));
  const std::string fallback = policy == security::BackendErrorPolicy::kDeny
                                   ? "refusing requests (ratelimit.on_backend_error = deny)"
                                   : "this replica's own buckets decide "
                                     "(ratelimit.on_backend_error = local)";
  auto log = [fallback](const Status& status) {
    const std::string line =
        status.ok() ? EventLogLine("info", "ratelimit_backend_up",
                                   "the rate-limit backend answers again; shared budgets resume")
                    : EventLogLine("error", "ratelimit_backend_down",
                                   status.message() + "; until it is back, " + fallback);
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
  return std::unique_ptr<security::RateLimiter>(std::make_unique<security::FallbackRateLimiter>(
      std::make_unique<security::RedisRateLimiter>(
          security::RedisRateLimiterOptions{.endpoint = endpoint}),
      std::make_unique<security::LocalRateLimiter>(clock), policy, log));
}

RateLimitTicket::RateLimitTicket(security::RateLimiter& limiter, std::string subject,
                                 security::RateLimits limits, std::string lease)
    : limiter_(limiter), subject_(std::move(subject)), limits_(limits), lease_(std::move(lease)) {}

RateLimitTicket::~RateLimitTicket() {
  if (limits_.concurrent_streams > 0) (void)limiter_.ReleaseStream(subject_, lease_);
}

bool RateLimitTicket::Charge(std::int64_t tokens) {
  if (limits_.tokens_per_minute <= 0) return true;
  auto left = limiter_.ChargeTokens(subject_, limits_, tokens);
  return !left.ok() || left->remaining > 0;
}

RateLimitVerdict RateLimitStage(security::RateLimiter* limiter, const RateLimitOptions& options,
                                std::string_view path, const RequestContext& context) {
  RateLimitVerdict verdict;
  if (limiter == nullptr || !context.identity) return verdict;
  const security::KeyIdentity& key = *context.identity;
  const security::RateLimits limits = LimitsOf(key, options);
  const std::string subject = "key:" + std::to_string(key.key_id);
  const bool generation = IsGeneration(path);
  const std::string lease = generation ? NewLease() : "";
  auto check = limiter->Admit(subject, limits, lease);
  if (!check.ok()) {
    verdict.refusal = ApiError{503,
                               "Rate limits cannot be checked: " + check.status().message(),
                               "service_unavailable",
                               "",
                               "rate_limit_backend_unavailable",
                               1};
    return verdict;
  }
  AddHeaders(check->requests, "requests", verdict.headers);
  AddHeaders(check->tokens, "tokens", verdict.headers);
  if (!check->allowed) {
    verdict.refusal = Refusal(*check, limits, key);
    return verdict;
  }
  if (generation) {
    verdict.ticket = std::make_unique<RateLimitTicket>(*limiter, subject, limits, lease);
  }
  return verdict;
}

}  // namespace citadel::server
