#include "security/network_policy.h"

namespace citadel::security {
namespace {

constexpr const char* kIntranet[] = {"10.0.0.0/8",  "172.16.0.0/12", "192.168.0.0/16",
                                     "127.0.0.0/8", "::1/128",       "fc00::/7"};

Result<CidrSet> ParseList(const std::vector<std::string>& entries, const std::string& name) {
  std::vector<CidrBlock> blocks;
  for (const std::string& entry : entries) {
    if (entry == "intranet") {
      for (const char* preset : kIntranet) blocks.push_back(*ParseCidr(preset));
      continue;
    }
    auto block = ParseCidr(entry);
    if (!block.ok()) return block.status().WithContext(name);
    blocks.push_back(*block);
  }
  return CidrSet(std::move(blocks));
}

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool AllDigits(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

const CidrBlock* FirstMatch(const CidrSet& set, const IpAddress& address) {
  for (const CidrBlock& block : set.blocks()) {
    if (block.Contains(address)) return &block;
  }
  return nullptr;
}

}  // namespace

Result<NetworkPolicy> NetworkPolicy::Create(const NetworkPolicyConfig& config) {
  NetworkPolicy policy;
  CITADEL_ASSIGN_OR_RETURN(policy.allow_, ParseList(config.allow, "network.allow"));
  CITADEL_ASSIGN_OR_RETURN(policy.deny_, ParseList(config.deny, "network.deny"));
  CITADEL_ASSIGN_OR_RETURN(policy.trusted_,
                           ParseList(config.trusted_proxies, "network.trusted_proxies"));
  return policy;
}

bool NetworkPolicy::Admits(const IpAddress& address) const {
  if (deny_.Contains(address)) return false;
  return allow_.empty() || allow_.Contains(address);
}

std::string NetworkPolicy::RefusalReason(const IpAddress& address) const {
  if (const CidrBlock* block = FirstMatch(deny_, address)) {
    return "in network.deny " + block->ToString();
  }
  if (!allow_.empty() && !allow_.Contains(address)) return "not in network.allow";
  return "admitted";
}

IpAddress NetworkPolicy::ClientAddress(const IpAddress& peer,
                                       std::string_view forwarded_for) const {
  if (forwarded_for.empty() || !trusted_.Contains(peer)) return peer;
  const std::vector<std::string_view> entries = SplitForwardedFor(forwarded_for);
  IpAddress client = peer;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    auto hop = ParseForwardedEntry(*it);
    if (!hop.ok()) return client;  // the hop that appended this entry is all we know
    client = *hop;
    if (!trusted_.Contains(client)) return client;
  }
  return client;  // every hop a trusted proxy: the leftmost one
}

Result<IpAddress> ParseForwardedEntry(std::string_view entry) {
  const std::string_view text = TrimBlanks(entry);
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == text.npos) {
      return InvalidArgumentError("X-Forwarded-For entry '" + std::string(text) + "' lacks ']'");
    }
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !(rest[0] == ':' && AllDigits(rest.substr(1)))) {
      return InvalidArgumentError("X-Forwarded-For entry '" + std::string(text) +
                                  "' has junk after ']'");
    }
    return ParseIpAddress(text.substr(1, close - 1));
  }
  const size_t colon = text.find(':');
  if (colon != text.npos && text.find(':', colon + 1) == text.npos) {
    // One colon: IPv4 with a port.
    if (!AllDigits(text.substr(colon + 1))) {
      return InvalidArgumentError("X-Forwarded-For entry '" + std::string(text) +
                                  "' has a bad port");
    }
    return ParseIpAddress(text.substr(0, colon));
  }
  return ParseIpAddress(text);
}

std::vector<std::string_view> SplitForwardedFor(std::string_view value) {
  std::vector<std::string_view> entries;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = value.find(',', start);
    const std::string_view entry =
        TrimBlanks(value.substr(start, comma == value.npos ? value.npos : comma - start));
    if (!entry.empty()) entries.push_back(entry);
    if (comma == value.npos) break;
    start = comma + 1;
  }
  return entries;
}

}  // namespace citadel::security
