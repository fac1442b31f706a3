// libFuzzer target for X-Forwarded-For: arbitrary header values through the
// rightmost-untrusted walk. Nothing may crash; the client named is either
// the peer or an entry of the header; from an untrusted peer it is always
// the peer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/network_policy.h"

using citadel::security::IpAddress;
using citadel::security::NetworkPolicy;
using citadel::security::ParseForwardedEntry;
using citadel::security::SplitForwardedFor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const NetworkPolicy policy =
      *NetworkPolicy::Create({{}, {}, {"127.0.0.0/8", "intranet", "2001:db8::/32"}});
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const IpAddress trusted = IpAddress::FromV4(0x7f000001);
  const IpAddress stranger = IpAddress::FromV4(0xc0000207);
  if (!(policy.ClientAddress(stranger, value) == stranger)) std::abort();
  const IpAddress client = policy.ClientAddress(trusted, value);
  if (client == trusted) return 0;
  for (std::string_view entry : SplitForwardedFor(value)) {
    auto hop = ParseForwardedEntry(entry);
    if (hop.ok() && *hop == client) return 0;
  }
  std::abort();  // a client that is neither the peer nor in the header
}
