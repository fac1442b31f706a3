// NetworkPolicy: who may reach the server, decided from addresses alone.
//
//   NetworkPolicyConfig config{.allow = {"intranet"}, .deny = {"10.9.0.0/16"}};
//   CITADEL_ASSIGN_OR_RETURN(NetworkPolicy policy, NetworkPolicy::Create(config));
//   policy.Admits(peer);                          // at accept, before a byte is read
//   policy.ClientAddress(peer, x_forwarded_for);  // after the headers
//
// Rules: an address in `deny` is refused; otherwise, when `allow` is empty
// everyone is admitted, else only addresses in `allow`. Each list holds CIDR
// blocks or bare addresses (see ip_address.h) and the preset "intranet"
// (10/8, 172.16/12, 192.168/16, 127/8, ::1, fc00::/7).
//
// X-Forwarded-For is believed only when the connecting peer is one of
// `trusted_proxies`, and then by the rightmost-untrusted rule: walking the
// list from the right (the hop nearest to us), each trusted proxy is skipped
// and the first address that is not one is the client. Entries left of it
// are what the client itself sent, and are never believed. A malformed
// entry stops the walk: the client is the last hop that was understood.
//
// Immutable after Create; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "security/ip_address.h"
#include "util/status.h"

namespace citadel::security {

struct NetworkPolicyConfig {
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  std::vector<std::string> trusted_proxies;
};

class NetworkPolicy {
 public:
  NetworkPolicy() = default;  // admits everyone, trusts no proxy
  // InvalidArgument naming the list ("network.allow") and the bad entry.
  static Result<NetworkPolicy> Create(const NetworkPolicyConfig& config);

  bool Admits(const IpAddress& address) const;
  bool IsTrustedProxy(const IpAddress& address) const { return trusted_.Contains(address); }
  // The client behind `peer` per X-Forwarded-For (the header's values
  // joined by ","; empty when absent): `peer` itself unless it is trusted.
  IpAddress ClientAddress(const IpAddress& peer, std::string_view forwarded_for) const;
  // Why `address` is refused, for the log ("in network.deny 10.9.0.0/16").
  std::string RefusalReason(const IpAddress& address) const;
  // True when any allow or deny rule exists.
  bool restricts() const { return !allow_.empty() || !deny_.empty(); }

 private:
  CidrSet allow_;
  CidrSet deny_;
  CidrSet trusted_;
};

// One X-Forwarded-For entry: "10.1.2.3", "10.1.2.3:5000", "2001:db8::1" or
// "[2001:db8::1]:5000", with spaces or tabs around it. InvalidArgument
// otherwise ("unknown", obfuscated identifiers, junk).
Result<IpAddress> ParseForwardedEntry(std::string_view entry);

// The comma-separated entries of an X-Forwarded-For value, left to right.
std::vector<std::string_view> SplitForwardedFor(std::string_view value);

}  // namespace citadel::security
