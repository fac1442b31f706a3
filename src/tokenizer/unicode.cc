#include "tokenizer/unicode.h"

#include <algorithm>
#include <memory>

#include "tokenizer/unicode_tables.h"

namespace citadel::tokenizer {
namespace {

constexpr std::uint32_t kTableSize = kMaxCodepoint + 1;

// White_Space code points (the set the reference treats as \s).
constexpr std::uint32_t kWhitespace[] = {
    0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x0085, 0x00A0, 0x1680,
    0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
    0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
};

// One flags entry per code point, expanded from the generated runs on first use.
const std::uint16_t* FlagsTable() {
  static const std::unique_ptr<std::uint16_t[]> table = [] {
    auto flags = std::make_unique<std::uint16_t[]>(kTableSize);
    for (std::size_t run = 0; run < kCategoryRangesSize; ++run) {
      const std::uint32_t first = kCategoryRanges[run].first;
      const std::uint32_t end =
          run + 1 < kCategoryRangesSize ? kCategoryRanges[run + 1].first : kTableSize;
      std::fill(flags.get() + first, flags.get() + end, kCategoryRanges[run].flags);
    }
    for (std::uint32_t cpt : kWhitespace) flags[cpt] |= kFlagWhitespace;
    return flags;
  }();
  return table.get();
}

std::uint32_t LookupPair(const CodepointPair* pairs, std::size_t size, std::uint32_t cpt) {
  const CodepointPair* end = pairs + size;
  const CodepointPair* it = std::lower_bound(
      pairs, end, cpt, [](const CodepointPair& p, std::uint32_t value) { return p.from < value; });
  return (it != end && it->from == cpt) ? it->to : cpt;
}

bool IsContinuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

std::uint16_t CodepointFlagsOf(std::uint32_t cpt) {
  return cpt < kTableSize ? FlagsTable()[cpt] : std::uint16_t{kFlagUndefined};
}

std::uint32_t DecodeUtf8Lenient(std::string_view text, std::size_t* pos) {
  const std::size_t at = *pos;
  const std::size_t left = text.size() - at;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    *pos += 1;
    return lead;
  }
  std::size_t len = 0;
  std::uint32_t cpt = 0;
  if ((lead & 0xE0) == 0xC0) {
    len = 2;
    cpt = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3;
    cpt = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4;
    cpt = lead & 0x07;
  }
  // len == 0: a continuation byte or 0xF8..0xFF in lead position.
  bool valid = len != 0 && left >= len;
  for (std::size_t i = 1; valid && i < len; ++i) {
    valid = IsContinuation(byte(i));
    cpt = (cpt << 6) | (byte(i) & 0x3F);
  }
  if (!valid || cpt > kMaxCodepoint) {
    *pos += 1;
    return kReplacementChar;
  }
  *pos += len;
  return cpt;
}

std::vector<std::uint32_t> DecodeUtf8(std::string_view text) {
  std::vector<std::uint32_t> cpts;
  cpts.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) cpts.push_back(DecodeUtf8Lenient(text, &pos));
  return cpts;
}

void AppendUtf8(std::uint32_t cpt, std::string* out) {
  if (cpt > kMaxCodepoint) cpt = kReplacementChar;
  if (cpt < 0x80) {
    out->push_back(static_cast<char>(cpt));
  } else if (cpt < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cpt >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

bool IsLenientUtf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t before = pos;
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const std::uint32_t cpt = DecodeUtf8Lenient(text, &pos);
    if (cpt == kReplacementChar && pos == before + 1) return false;
  }
  return true;
}

int Utf8SequenceStatus(std::string_view text) {
  if (text.empty()) return 0;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  int len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  for (int i = 1; i < len; ++i) {
    if (static_cast<std::size_t>(i) >= text.size()) return 0;
    const unsigned char c = b(i);
    if (i == 1 ? (c < lo || c > hi) : !IsContinuation(c)) return -1;
  }
  return len;
}

std::uint32_t ToLowerCodepoint(std::uint32_t cpt) {
  if (cpt < 0x80) return (cpt >= 'A' && cpt <= 'Z') ? cpt + 32 : cpt;
  return LookupPair(kLowercasePairs, kLowercasePairsSize, cpt);
}

std::uint32_t NfdFirstCodepoint(std::uint32_t cpt) {
  if (cpt < 0xC0) return cpt;
  return LookupPair(kNfdFirstPairs, kNfdFirstPairsSize, cpt);
}

}  // namespace citadel::tokenizer
