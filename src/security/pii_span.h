// PiiSpan and PiiType: what the PII scanner reports.
//
// A span names one detected value by its place in the scanned text and its
// type. The scanner works in UTF-8 byte offsets; ToCodePointSpans converts
// them to Unicode code-point offsets, which is what the CLI and API print.
// Offsets are end-exclusive and cover the whole written form of the value
// (a "+86 " prefix and the spaces or dashes inside a grouped number
// included; an extension or a port excluded).
//
// Value types; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace citadel::security {

enum class PiiType : std::uint8_t {
  kCnId,      // mainland China resident ID number
  kCnMobile,  // mainland China mobile number
  kLandline,  // mainland China landline with area code
  kBankCard,  // payment card number (Luhn)
  kEmail,
  kIpv4,
  kIpv6,
  kPassport,  // PRC passport number
  kCustom,    // a pattern from pii.custom; PiiSpan::custom_index says which
};
inline constexpr int kBuiltinPiiTypes = 8;

// "cn_id", "cn_mobile", "landline", "bank_card", "email", "ipv4", "ipv6",
// "passport"; "custom" for kCustom (callers print the pattern's name).
std::string_view PiiTypeName(PiiType type);

struct PiiSpan {
  std::size_t start = 0;  // first byte (or code point) of the value
  std::size_t end = 0;    // one past the last
  PiiType type = PiiType::kCnId;
  std::uint16_t custom_index = 0;  // index into pii.custom when type is kCustom

  std::size_t size() const { return end - start; }
  bool operator==(const PiiSpan&) const = default;
};

// Converts byte-offset spans over `text` (sorted by start, as the scanner
// returns them) to code-point offsets. Offsets that fall inside a multi-byte
// character count that character as started.
std::vector<PiiSpan> ToCodePointSpans(std::string_view text, const std::vector<PiiSpan>& spans);

}  // namespace citadel::security
