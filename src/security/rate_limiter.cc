#include "security/rate_limiter.h"

namespace citadel::security {

std::string_view RateLimitKindName(RateLimitKind kind) {
  switch (kind) {
    case RateLimitKind::kNone:
      return "none";
    case RateLimitKind::kRequests:
      return "requests";
    case RateLimitKind::kTokens:
      return "tokens";
    case RateLimitKind::kStreams:
      return "concurrent streams";
  }
  return "none";
}

}  // namespace citadel::security
