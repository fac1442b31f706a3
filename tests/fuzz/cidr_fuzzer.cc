// libFuzzer target for the address and CIDR parsers (network.allow/deny
// entries): arbitrary text must parse or fail with InvalidArgument, never
// crash; whatever parses prints back to text that parses to the same value,
// and a block always contains its own base address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/ip_address.h"

using citadel::StatusCode;
using citadel::security::ParseCidr;
using citadel::security::ParseIpAddress;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto address = ParseIpAddress(text);
  if (address.ok()) {
    auto again = ParseIpAddress(address->ToString());
    if (!again.ok() || !(*again == *address)) std::abort();
  } else if (address.status().code() != StatusCode::kInvalidArgument) {
    std::abort();
  }
  auto block = ParseCidr(text);
  if (block.ok()) {
    if (!block->Contains(block->base)) std::abort();
    auto again = ParseCidr(block->ToString());
    if (!again.ok() || !(again->base == block->base) || again->prefix_bits != block->prefix_bits) {
      std::abort();
    }
  } else if (block.status().code() != StatusCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
