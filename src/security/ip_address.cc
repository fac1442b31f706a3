#include "security/ip_address.h"

#include <cstdio>

namespace citadel::security {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

Status Bad(std::string_view text, const std::string& why) {
  return InvalidArgumentError("'" + std::string(text) + "' is not an IP address: " + why);
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four decimal parts 0..255 without leading zeros.
Result<std::uint32_t> ParseV4(std::string_view whole, std::string_view text) {
  std::uint32_t value = 0;
  int parts = 0;
  size_t pos = 0;
  while (true) {
    const size_t dot = text.find('.', pos);
    const std::string_view part = text.substr(pos, dot == text.npos ? text.npos : dot - pos);
    ++parts;
    if (parts > 4) return Bad(whole, "more than four dotted parts");
    if (part.empty()) return Bad(whole, "an empty dotted part");
    if (part.size() > 3) return Bad(whole, "part '" + std::string(part) + "' is too long");
    unsigned number = 0;
    for (char c : part) {
      if (!IsDigit(c)) return Bad(whole, "'" + std::string(1, c) + "' in a dotted part");
      number = number * 10 + static_cast<unsigned>(c - '0');
    }
    if (part.size() > 1 && part[0] == '0') {
      return Bad(whole, "part '" + std::string(part) + "' has a leading zero");
    }
    if (number > 255) return Bad(whole, "part '" + std::string(part) + "' is over 255");
    value = (value << 8) | number;
    if (dot == text.npos) break;
    pos = dot + 1;
  }
  if (parts != 4) return Bad(whole, "an IPv4 address has four dotted parts");
  return value;
}

// Splits `text` on ':' into 16-bit groups appended to `groups`; the last
// group may be a dotted IPv4 tail when `tail_allowed`.
Status ParseGroups(std::string_view whole, std::string_view text, bool tail_allowed,
                   std::vector<std::uint16_t>& groups) {
  if (text.empty()) return OkStatus();
  size_t pos = 0;
  while (true) {
    const size_t colon = text.find(':', pos);
    const std::string_view group = text.substr(pos, colon == text.npos ? text.npos : colon - pos);
    if (group.empty()) return Bad(whole, "an empty group (a single ':' at an end, or ':::')");
    if (group.find('.') != group.npos) {
      if (!tail_allowed || colon != text.npos) {
        return Bad(whole, "an IPv4 part is allowed only at the end");
      }
      CITADEL_ASSIGN_OR_RETURN(const std::uint32_t v4, ParseV4(whole, group));
      groups.push_back(static_cast<std::uint16_t>(v4 >> 16));
      groups.push_back(static_cast<std::uint16_t>(v4 & 0xffff));
      return OkStatus();
    }
    if (group.size() > 4) return Bad(whole, "group '" + std::string(group) + "' is over 4 digits");
    unsigned value = 0;
    for (char c : group) {
      const int digit = HexValue(c);
      if (digit < 0) return Bad(whole, "'" + std::string(1, c) + "' is not a hex digit");
      value = value * 16 + static_cast<unsigned>(digit);
    }
    groups.push_back(static_cast<std::uint16_t>(value));
    if (groups.size() > 8) return Bad(whole, "more than eight groups");
    if (colon == text.npos) return OkStatus();
    pos = colon + 1;
  }
}

Result<IpAddress> ParseV6(std::string_view text) {
  if (text.find('%') != text.npos) return Bad(text, "a zone ('%...') is not allowed");
  const size_t gap = text.find("::");
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  if (gap == text.npos) {
    CITADEL_TRY(ParseGroups(text, text, true, head));
    if (head.size() != 8) return Bad(text, "eight groups, or '::', are needed");
  } else {
    if (text.find("::", gap + 1) != text.npos) return Bad(text, "'::' appears more than once");
    CITADEL_TRY(ParseGroups(text, text.substr(0, gap), false, head));
    CITADEL_TRY(ParseGroups(text, text.substr(gap + 2), true, tail));
    if (head.size() + tail.size() > 7) return Bad(text, "'::' must stand for at least one group");
  }
  std::array<std::uint8_t, 16> bytes{};
  for (size_t i = 0; i < head.size(); ++i) {
    bytes[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(head[i] & 0xff);
  }
  const size_t tail_start = 8 - tail.size();
  for (size_t i = 0; i < tail.size(); ++i) {
    bytes[2 * (tail_start + i)] = static_cast<std::uint8_t>(tail[i] >> 8);
    bytes[2 * (tail_start + i) + 1] = static_cast<std::uint8_t>(tail[i] & 0xff);
  }
  return IpAddress::FromV6(bytes);
}

std::uint64_t Half(const std::array<std::uint8_t, 16>& bytes, int half) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[half * 8 + i];
  return value;
}

// The mask of the first `bits` bits (0..64) of a 64-bit half.
std::uint64_t PrefixMask(int bits) {
  if (bits <= 0) return 0;
  if (bits >= 64) return ~std::uint64_t{0};
  return ~std::uint64_t{0} << (64 - bits);
}

std::uint64_t MaskHi(int prefix_bits) {
  return PrefixMask(prefix_bits);
}
std::uint64_t MaskLo(int prefix_bits) {
  return PrefixMask(prefix_bits - 64);
}

}  // namespace

IpAddress IpAddress::FromV4(std::uint32_t host_order) {
  IpAddress address;
  for (size_t i = 0; i < kMappedPrefix.size(); ++i) address.bytes[i] = kMappedPrefix[i];
  for (int i = 0; i < 4; ++i) {
    address.bytes[12 + i] = static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
  }
  return address;
}

IpAddress IpAddress::FromV6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress address;
  address.bytes = bytes;
  return address;
}

bool IpAddress::is_v4() const {
  for (size_t i = 0; i < kMappedPrefix.size(); ++i) {
    if (bytes[i] != kMappedPrefix[i]) return false;
  }
  return true;
}

std::string IpAddress::ToString() const {
  char buffer[48];
  if (is_v4()) {
    std::snprintf(buffer, sizeof(buffer), "%u.%u.%u.%u", bytes[12], bytes[13], bytes[14],
                  bytes[15]);
    return buffer;
  }
  std::array<unsigned, 8> groups{};
  for (int i = 0; i < 8; ++i) groups[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  // RFC 5952: the longest run of two or more zero groups (the first on a tie) becomes "::".
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best_start = i, best_len = j - i;
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buffer, sizeof(buffer), "%x", groups[i]);
    out += buffer;
  }
  return out;
}

bool CidrBlock::Contains(const IpAddress& address) const {
  const std::uint64_t mask_hi = MaskHi(prefix_bits);
  const std::uint64_t mask_lo = MaskLo(prefix_bits);
  return (Half(address.bytes, 0) & mask_hi) == Half(base.bytes, 0) &&
         (Half(address.bytes, 1) & mask_lo) == Half(base.bytes, 1);
}

std::string CidrBlock::ToString() const {
  const int bits = base.is_v4() && prefix_bits >= 96 ? prefix_bits - 96 : prefix_bits;
  return base.ToString() + "/" + std::to_string(bits);
}

Result<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.empty()) return InvalidArgumentError("an empty string is not an IP address");
  if (text.size() > 45) return Bad(text.substr(0, 45), "too long");
  if (text.find(':') != text.npos) return ParseV6(text);
  CITADEL_ASSIGN_OR_RETURN(const std::uint32_t v4, ParseV4(text, text));
  return IpAddress::FromV4(v4);
}

Result<CidrBlock> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  auto address = ParseIpAddress(address_text);
  if (!address.ok()) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not a CIDR block: " + address.status().message());
  }
  const bool v4 = address_text.find(':') == address_text.npos;
  const int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != text.npos) {
    const std::string_view prefix = text.substr(slash + 1);
    const auto bad_prefix = [&](const std::string& why) {
      return InvalidArgumentError("'" + std::string(text) + "' is not a CIDR block: prefix '" +
                                  std::string(prefix) + "' " + why);
    };
    if (prefix.empty() || prefix.size() > 3)
      return bad_prefix("must be 0.." + std::to_string(max_bits));
    bits = 0;
    for (char c : prefix) {
      if (!IsDigit(c)) return bad_prefix("must be decimal digits");
      bits = bits * 10 + (c - '0');
    }
    if (prefix.size() > 1 && prefix[0] == '0') return bad_prefix("has a leading zero");
    if (bits > max_bits) return bad_prefix("is over " + std::to_string(max_bits));
  }
  CidrBlock block{*address, v4 ? bits + 96 : bits};
  CidrBlock masked = block;
  const std::uint64_t hi = Half(block.base.bytes, 0) & MaskHi(block.prefix_bits);
  const std::uint64_t lo = Half(block.base.bytes, 1) & MaskLo(block.prefix_bits);
  for (int i = 0; i < 8; ++i) {
    masked.base.bytes[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    masked.base.bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  if (!(masked.base == block.base)) {
    return InvalidArgumentError("'" + std::string(text) + "' has host bits set; did you mean " +
                                masked.ToString() + "?");
  }
  return block;
}

CidrSet::CidrSet(std::vector<CidrBlock> blocks) : blocks_(std::move(blocks)) {
  for (const CidrBlock& block : blocks_) {
    masked_.push_back({Half(block.base.bytes, 0), Half(block.base.bytes, 1),
                       MaskHi(block.prefix_bits), MaskLo(block.prefix_bits)});
  }
}

bool CidrSet::Contains(const IpAddress& address) const {
  const std::uint64_t hi = Half(address.bytes, 0);
  const std::uint64_t lo = Half(address.bytes, 1);
  for (const Masked& m : masked_) {
    if ((hi & m.mask_hi) == m.hi && (lo & m.mask_lo) == m.lo) return true;
  }
  return false;
}

}  // namespace citadel::security
