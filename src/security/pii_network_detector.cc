#include "security/pii_network_detector.h"

#include "security/ip_address.h"
#include "security/pii_text.h"

namespace citadel::security::pii {
namespace {

constexpr std::size_t kMaxLocalPart = 64;  // RFC 5321
constexpr std::size_t kMaxDomain = 253;
constexpr std::size_t kMaxIpv6Text = 45;  // "ffff:...:255.255.255.255"

bool IsLocalByte(char c) {
  return IsWordByte(c) || c == '.' || c == '%' || c == '+' || c == '-';
}
bool IsLabelByte(char c) {
  return IsDigit(c) || IsAsciiLetter(c) || c == '-';
}

// End of the domain starting at `p`, or 0 when it is not one.
std::size_t DomainEnd(std::string_view text, std::size_t p) {
  const std::size_t begin = p;
  int labels = 0;
  std::size_t last_label = p;
  bool alphabetic = false;
  while (p - begin < kMaxDomain) {
    const std::size_t label = p;
    alphabetic = true;
    while (p < text.size() && IsLabelByte(text[p])) {
      alphabetic = alphabetic && IsAsciiLetter(text[p]);
      ++p;
    }
    if (p == label || text[label] == '-' || text[p - 1] == '-') return 0;
    ++labels;
    last_label = label;
    if (At(text, p) == '.' && IsLabelByte(At(text, p + 1))) {
      ++p;
      continue;
    }
    break;
  }
  if (labels < 2 || !alphabetic || p - last_label < 2 || IsWordByte(At(text, p))) return 0;
  return p;
}

}  // namespace

std::size_t DetectEmail(std::string_view text, std::size_t at, std::vector<PiiSpan>& out) {
  std::size_t start = at;
  while (start > 0 && at - start < kMaxLocalPart && IsLocalByte(text[start - 1])) --start;
  while (start < at && text[start] == '.') ++start;
  if (start == at || text[at - 1] == '.') return at + 1;
  const std::size_t end = DomainEnd(text, at + 1);
  if (end == 0) return at + 1;
  out.push_back(PiiSpan{start, end, PiiType::kEmail, 0});
  return end;
}

std::size_t DetectIpv6(std::string_view text, std::size_t colon, std::vector<PiiSpan>& out) {
  std::size_t start = colon;
  while (start > 0 && colon - start < kMaxIpv6Text &&
         (IsHexDigit(text[start - 1]) || text[start - 1] == ':')) {
    --start;
  }
  std::size_t end = colon;
  while (end < text.size() && end - start < kMaxIpv6Text &&
         (IsHexDigit(text[end]) || text[end] == ':' || text[end] == '.')) {
    ++end;
  }
  // A failed candidate resumes right after this colon: "电话:13812345678"
  // has a number to find after it.
  const std::size_t resume = colon + 1;
  while (end > colon && text[end - 1] == '.') --end;
  if (end - start >= 2 && text[end - 1] == ':' && text[end - 2] != ':') --end;
  if (start > 0 && IsWordByte(text[start - 1])) return resume;
  if (IsWordByte(At(text, end))) return resume;
  const std::string_view candidate = text.substr(start, end - start);
  int colons = 0;
  int hex = 0;
  for (const char c : candidate) {
    colons += c == ':';
    hex += IsHexDigit(c);
  }
  const bool compressed = candidate.find("::") != std::string_view::npos;
  const bool dotted_tail = candidate.find('.') != std::string_view::npos;
  const bool full = colons == 7 || (colons == 6 && dotted_tail);
  if (hex == 0 || !(compressed || full)) return resume;
  // A candidate that ends at or before this colon ("…::10:" trimmed) was
  // found from an earlier colon of the same run.
  if (end <= colon) return resume;
  if (!ParseIpAddress(candidate).ok()) return resume;
  out.push_back(PiiSpan{start, end, PiiType::kIpv6, 0});
  return end;
}

}  // namespace citadel::security::pii
