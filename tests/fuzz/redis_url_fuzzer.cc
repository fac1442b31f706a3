// libFuzzer target for the ratelimit.backend parser: arbitrary text must
// parse or fail with InvalidArgument, never crash; what parses has a host
// and a port in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/redis_rate_limiter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto endpoint = citadel::security::ParseRedisUrl(text);
  if (endpoint.ok()) {
    if (endpoint->host.empty() || endpoint->port < 1 || endpoint->port > 65535) std::abort();
  } else if (endpoint.status().code() != citadel::StatusCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
