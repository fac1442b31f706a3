// ServerState: what every handler shares: the model registry, the store and
// the key authenticator, the settings the handlers read, the draining flag
// and the HTTP request counters.
//
// Thread-safe: the registry locks itself, the store and the authenticator
// are thread-safe, the flag and counters are atomics, the options are
// immutable after start-up.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "security/key_authenticator.h"
#include "security/policy_enforcer.h"
#include "server/audit_setup.h"
#include "server/auth_stage.h"
#include "server/model_registry.h"
#include "server/rate_limit_stage.h"
#include "store/store.h"
#include "util/clock.h"

namespace citadel::server {

struct HandlerOptions {
  bool log_requests = true;
  bool log_content = false;
  std::int64_t max_body_bytes = 4 << 20;
};

// Counts of answered requests by status class (1xx..5xx) and of streams
// aborted by their clients.
class HttpCounters {
 public:
  void Count(int status) {
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) by_class_[cls - 1].fetch_add(1, std::memory_order_relaxed);
  }
  void CountAbort() { aborted_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t count(int cls) const { return by_class_[cls - 1].load(std::memory_order_relaxed); }
  std::int64_t aborted() const { return aborted_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::int64_t>, 5> by_class_{};
  std::atomic<std::int64_t> aborted_{0};
};

struct ServerState {
  ModelRegistry models;
  HandlerOptions options;
  AccessOptions access;
  SystemClock clock;
  // Null in unit tests that need no store; `serve` always opens one. The
  // authenticator reads the store, so it is declared (and destroyed) after it.
  std::unique_ptr<store::Store> store;
  std::unique_ptr<security::KeyAuthenticator> keys;
  // Null: no rate limits (unit tests); `serve` sets it from ratelimit.*.
  std::unique_ptr<security::RateLimiter> rate_limiter;
  RateLimitOptions rate_limit;
  // Content policy (DLP, word filter); null in unit tests that need none.
  std::unique_ptr<security::PolicyEnforcer> policy;
  // The audit trail (null when audit.enabled is false or there is no store);
  // destroyed first, so its last records and checkpoint reach the store.
  std::unique_ptr<AuditService> audit;
  std::atomic<bool> draining{false};
  std::atomic<int> open_connections{0};
  std::atomic<int> in_flight{0};  // requests being answered
  HttpCounters http;
};

}  // namespace citadel::server
