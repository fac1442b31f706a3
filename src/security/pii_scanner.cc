#include "security/pii_scanner.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "security/pii_network_detector.h"
#include "security/pii_number_detector.h"
#include "security/pii_text.h"

namespace citadel::security {
namespace {

// What a byte can begin. Most bytes (CJK, punctuation, spaces) are kNone.
enum ByteClass : std::uint8_t {
  kNone,
  kWord,   // a letter or '_' that starts a word no detector begins with
  kUpper,  // an upper-case letter a passport number can start with
  kDigit,
  kAt,
  kColon,
  kPlus,
  kParen,      // '('
  kFullWidth,  // 0xEF, the lead byte of "（"
};

constexpr std::array<std::uint8_t, 256> MakeClasses() {
  std::array<std::uint8_t, 256> classes{};
  for (int c = 'a'; c <= 'z'; ++c) classes[c] = kWord;
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = kWord;
  for (const char c : {'E', 'G', 'D', 'S', 'P'}) classes[static_cast<unsigned char>(c)] = kUpper;
  classes['_'] = kWord;
  for (int c = '0'; c <= '9'; ++c) classes[c] = kDigit;
  classes['@'] = kAt;
  classes[':'] = kColon;
  classes['+'] = kPlus;
  classes['('] = kParen;
  classes[0xEF] = kFullWidth;
  return classes;
}
constexpr std::array<std::uint8_t, 256> kClasses = MakeClasses();

std::size_t SkipWord(std::string_view text, std::size_t p) {
  while (p < text.size() && pii::IsWordByte(text[p])) ++p;
  return p;
}

void ScanBuiltins(std::string_view text, std::vector<PiiSpan>& out) {
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    switch (kClasses[static_cast<unsigned char>(text[i])]) {
      case kNone:
        ++i;
        break;
      case kWord:
        i = SkipWord(text, i);
        break;
      case kUpper:
        i = SkipWord(text, pii::DetectPassport(text, i, out));
        break;
      case kDigit:
        i = SkipWord(text, pii::DetectNumber(text, i, out));
        break;
      case kAt:
        i = pii::DetectEmail(text, i, out);
        break;
      case kColon:
        i = pii::DetectIpv6(text, i, out);
        break;
      case kPlus:
        i = pii::DetectPlusPrefix(text, i, out);
        break;
      case kParen:
        i = pii::DetectParenLandline(text, i, 1, out);
        break;
      case kFullWidth:
        i = text.substr(i, 3) == "\xEF\xBC\x88" ? pii::DetectParenLandline(text, i, 3, out) : i + 1;
        break;
    }
  }
}

// Sorts and drops overlaps: of two overlapping spans the longer one stays.
void ResolveOverlaps(std::vector<PiiSpan>& spans) {
  std::sort(spans.begin(), spans.end(), [](const PiiSpan& a, const PiiSpan& b) {
    return a.start != b.start ? a.start < b.start : a.size() > b.size();
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (kept > 0 && spans[i].start < spans[kept - 1].end) {
      if (spans[i].size() > spans[kept - 1].size()) spans[kept - 1] = spans[i];
      continue;
    }
    spans[kept++] = spans[i];
  }
  spans.resize(kept);
}

}  // namespace

std::string_view PiiTypeName(PiiType type) {
  switch (type) {
    case PiiType::kCnId:
      return "cn_id";
    case PiiType::kCnMobile:
      return "cn_mobile";
    case PiiType::kLandline:
      return "landline";
    case PiiType::kBankCard:
      return "bank_card";
    case PiiType::kEmail:
      return "email";
    case PiiType::kIpv4:
      return "ipv4";
    case PiiType::kIpv6:
      return "ipv6";
    case PiiType::kPassport:
      return "passport";
    case PiiType::kCustom:
      return "custom";
  }
  return "custom";
}

std::vector<PiiSpan> ToCodePointSpans(std::string_view text, const std::vector<PiiSpan>& spans) {
  std::vector<PiiSpan> out = spans;
  // Offsets in ascending order, each visited once: a walk over the text.
  std::vector<std::size_t*> offsets;
  offsets.reserve(out.size() * 2);
  for (PiiSpan& span : out) {
    offsets.push_back(&span.start);
    offsets.push_back(&span.end);
  }
  std::sort(offsets.begin(), offsets.end(), [](auto* a, auto* b) { return *a < *b; });
  std::size_t byte = 0;
  std::size_t code_points = 0;
  for (std::size_t* offset : offsets) {
    const std::size_t target = std::min(*offset, text.size());
    for (; byte < target; ++byte) {
      code_points += (static_cast<unsigned char>(text[byte]) & 0xC0) != 0x80;
    }
    *offset = code_points;
  }
  return out;
}

Result<PiiScanner> PiiScanner::Create(const PiiScannerConfig& config) {
  std::vector<CustomPiiPattern> custom;
  for (const CustomPiiPatternSpec& spec : config.custom) {
    for (int t = 0; t < kBuiltinPiiTypes; ++t) {
      if (spec.name == PiiTypeName(static_cast<PiiType>(t))) {
        return InvalidArgumentError("pii.custom: '" + spec.name + "' is a built-in type");
      }
    }
    for (const CustomPiiPattern& other : custom) {
      if (other.name() == spec.name) {
        return InvalidArgumentError("pii.custom: '" + spec.name + "' is given twice");
      }
    }
    CITADEL_ASSIGN_OR_RETURN(CustomPiiPattern pattern, CustomPiiPattern::Compile(spec));
    custom.push_back(std::move(pattern));
  }
  if (custom.size() > 0xFFFF) return InvalidArgumentError("pii.custom: too many patterns");
  return PiiScanner(std::move(custom));
}

std::vector<PiiSpan> PiiScanner::Scan(std::string_view text) const {
  std::vector<PiiSpan> spans;
  ScanBuiltins(text, spans);
  for (std::size_t i = 0; i < custom_.size(); ++i) {
    custom_[i].Find(text, static_cast<std::uint16_t>(i), spans);
  }
  ResolveOverlaps(spans);
  return spans;
}

std::string_view PiiScanner::TypeName(const PiiSpan& span) const {
  if (span.type == PiiType::kCustom && span.custom_index < custom_.size()) {
    return custom_[span.custom_index].name();
  }
  return PiiTypeName(span.type);
}

std::vector<std::string> PiiScanner::TypeNames() const {
  std::vector<std::string> names;
  for (int t = 0; t < kBuiltinPiiTypes; ++t) {
    names.emplace_back(PiiTypeName(static_cast<PiiType>(t)));
  }
  for (const CustomPiiPattern& pattern : custom_) names.push_back(pattern.name());
  return names;
}

}  // namespace citadel::security
