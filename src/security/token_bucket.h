// TokenBucket: one per-minute budget that refills continuously. A bucket of
// capacity C holds at most C units and gains C units per minute, so a burst
// of C is allowed at once and then C per minute on average. The capacity is
// passed on every call (a key's limit may change while its bucket lives);
// the level is clamped to it.
//
//   TokenBucket bucket(now_ms, /*capacity=*/100);   // starts full
//   if (bucket.TryTake(now_ms, 100, 1)) ...         // one request
//   bucket.Drain(now_ms, 100, 37);                  // 37 tokens produced
//
// The same arithmetic runs inside Redis (redis_rate_limiter.cc's script);
// keep the two in step.
//
// Thread-compatible value type (the limiters guard it).
#pragma once

#include <cstdint>

namespace citadel::security {

class TokenBucket {
 public:
  static constexpr std::int64_t kWindowMs = 60000;

  TokenBucket(std::int64_t now_ms, std::int64_t capacity)
      : level_(static_cast<double>(capacity)), updated_ms_(now_ms) {}

  // Takes `cost` units when at least that many are there; false (nothing
  // taken) otherwise.
  bool TryTake(std::int64_t now_ms, std::int64_t capacity, std::int64_t cost);
  // Takes `amount` units regardless, stopping at empty.
  void Drain(std::int64_t now_ms, std::int64_t capacity, std::int64_t amount);

  // Whole units left at now_ms.
  std::int64_t Remaining(std::int64_t now_ms, std::int64_t capacity);
  // Milliseconds until the bucket is full again (0 when full).
  std::int64_t MillisUntilFull(std::int64_t now_ms, std::int64_t capacity);
  // Milliseconds until `units` are there (0 when they already are).
  std::int64_t MillisUntil(std::int64_t now_ms, std::int64_t capacity, std::int64_t units);

 private:
  // Adds what accrued since the last update.
  void Refill(std::int64_t now_ms, std::int64_t capacity);

  double level_;
  std::int64_t updated_ms_;
};

}  // namespace citadel::security
