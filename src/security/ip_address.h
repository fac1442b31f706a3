// IpAddress and CidrBlock: strict parsers for IPv4 and IPv6 addresses and
// CIDR blocks, and prefix matching.
//
//   CITADEL_ASSIGN_OR_RETURN(CidrBlock block, ParseCidr("10.0.0.0/8"));
//   CITADEL_ASSIGN_OR_RETURN(IpAddress peer, ParseIpAddress("10.1.2.3"));
//   block.Contains(peer);  // true
//
// Every address is kept in the 16 bytes of IPv6; an IPv4 address is its
// IPv4-mapped form (::ffff:a.b.c.d) and an IPv4 block's prefix counts from
// bit 96, so a dual-stack socket's mapped peers match IPv4 rules.
//
// Strict: dotted quads only (four decimal parts 0..255, no leading zeros,
// which other tools read as octal), at most one "::", hex groups of 1..4
// digits, an embedded IPv4 tail only in last place, no zone ("%eth0"), a
// prefix of decimal digits no longer than the address, and no host bits set
// ("10.0.0.1/8" is an error that names 10.0.0.0/8). Errors are
// InvalidArgument naming the text and what is wrong with it.
//
// Value types; thread-compatible (immutable use is thread-safe).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::security {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 as ::ffff:a.b.c.d

  static IpAddress FromV4(std::uint32_t host_order);
  static IpAddress FromV6(const std::array<std::uint8_t, 16>& bytes);
  bool is_v4() const;  // an IPv4-mapped address
  // "10.1.2.3" or the RFC 5952 form of IPv6 ("2001:db8::1").
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

struct CidrBlock {
  IpAddress base;       // host bits zero
  int prefix_bits = 0;  // 0..128 over the 16 bytes (IPv4 blocks: 96..128)

  bool Contains(const IpAddress& address) const;
  // "10.0.0.0/8", "fc00::/7".
  std::string ToString() const;
};

Result<IpAddress> ParseIpAddress(std::string_view text);
// "ADDRESS/PREFIX", or a bare address (a /32 or /128 block).
Result<CidrBlock> ParseCidr(std::string_view text);

// A list of blocks; Contains is true when any holds the address.
class CidrSet {
 public:
  CidrSet() = default;
  explicit CidrSet(std::vector<CidrBlock> blocks);
  bool Contains(const IpAddress& address) const;
  bool empty() const { return blocks_.empty(); }
  const std::vector<CidrBlock>& blocks() const { return blocks_; }

 private:
  // Each block as two 64-bit halves with their masks, for a branch-light match.
  struct Masked {
    std::uint64_t hi, lo, mask_hi, mask_lo;
  };
  std::vector<CidrBlock> blocks_;
  std::vector<Masked> masked_;
};

}  // namespace citadel::security
