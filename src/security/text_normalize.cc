#include "security/text_normalize.h"

namespace citadel::security {

std::size_t DecodeUtf8(std::string_view text, std::size_t pos, char32_t& cp) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, min = 0x10000;
  } else {
    cp = kReplacementCodePoint;
    return 1;
  }
  if (pos + length > text.size()) {
    cp = kReplacementCodePoint;
    return 1;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(pos + i);
    if ((next & 0xC0) != 0x80) {
      cp = kReplacementCodePoint;
      return 1;
    }
    value = (value << 6) | (next & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    cp = kReplacementCodePoint;
    return 1;
  }
  cp = value;
  return length;
}

namespace {

bool IsAsciiSeparator(char32_t cp) {
  return cp <= 0x20 || cp == 0x7F || (cp >= '!' && cp <= '/') || (cp >= ':' && cp <= '@') ||
         (cp >= '[' && cp <= '`') || (cp >= '{' && cp <= '~');
}

bool IsOtherSeparator(char32_t cp) {
  switch (cp) {
    case 0x00A0:  // no-break space
    case 0x00AD:  // soft hyphen
    case 0x00B7:  // middle dot
    case 0x200B:  // zero width space
    case 0x200C:  // zero width non-joiner
    case 0x200D:  // zero width joiner
    case 0x2022:  // bullet
    case 0x2060:  // word joiner
    case 0x3000:  // ideographic space
    case 0x3001:  // 、
    case 0x3002:  // 。
    case 0x30FB:  // katakana middle dot
    case 0xFEFF:  // zero width no-break space
      return true;
    default:
      break;
  }
  return (cp >= 0x2000 && cp <= 0x200A) ||  // typographic spaces
         (cp >= 0x2010 && cp <= 0x2027) ||  // dashes, quotes, ellipsis
         (cp >= 0x3008 && cp <= 0x3011) ||  // CJK brackets 《》「」【】
         (cp >= 0xFE30 && cp <= 0xFE4F) || cp == 0xFF5F || cp == 0xFF60 ||
         (cp >= 0xFF61 && cp <= 0xFF65);  // half-width CJK punctuation
}

}  // namespace

char32_t NormalizeCodePoint(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  if (cp < 0x80) {
    if (IsAsciiSeparator(cp)) return kIgnoredCodePoint;
    if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
    return cp;
  }
  if (IsOtherSeparator(cp)) return kIgnoredCodePoint;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||     // Latin-1 capitals
      (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) ||  // Greek capitals
      (cp >= 0x410 && cp <= 0x42F)) {                 // Cyrillic capitals
    return cp + 0x20;
  }
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;  // Cyrillic Ѐ..Џ
  return cp;
}

}  // namespace citadel::security
