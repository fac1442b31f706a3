#include "security/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace citadel::security {

void TokenBucket::Refill(std::int64_t now_ms, std::int64_t capacity) {
  const auto cap = static_cast<double>(capacity);
  // A clock that steps back (never for the steady clock) adds nothing.
  const std::int64_t elapsed_ms = std::max<std::int64_t>(0, now_ms - updated_ms_);
  level_ = std::min(cap, level_ + static_cast<double>(elapsed_ms) * cap / kWindowMs);
  updated_ms_ = std::max(updated_ms_, now_ms);
}

bool TokenBucket::TryTake(std::int64_t now_ms, std::int64_t capacity, std::int64_t cost) {
  Refill(now_ms, capacity);
  if (level_ < static_cast<double>(cost)) return false;
  level_ -= static_cast<double>(cost);
  return true;
}

void TokenBucket::Drain(std::int64_t now_ms, std::int64_t capacity, std::int64_t amount) {
  Refill(now_ms, capacity);
  level_ = std::max(0.0, level_ - static_cast<double>(amount));
}

std::int64_t TokenBucket::Remaining(std::int64_t now_ms, std::int64_t capacity) {
  Refill(now_ms, capacity);
  return static_cast<std::int64_t>(std::floor(level_));
}

std::int64_t TokenBucket::MillisUntilFull(std::int64_t now_ms, std::int64_t capacity) {
  return MillisUntil(now_ms, capacity, capacity);
}

std::int64_t TokenBucket::MillisUntil(std::int64_t now_ms, std::int64_t capacity,
                                      std::int64_t units) {
  Refill(now_ms, capacity);
  const double missing = static_cast<double>(units) - level_;
  if (missing <= 0 || capacity <= 0) return 0;
  return static_cast<std::int64_t>(std::ceil(missing * kWindowMs / static_cast<double>(capacity)));
}

}  // namespace citadel::security
