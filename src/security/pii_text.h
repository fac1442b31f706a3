// Byte classes shared by the PII detectors. ASCII only: every byte of a
// multi-byte UTF-8 character is >= 0x80 and so never a digit, letter or
// separator here, which lets the detectors work on bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace citadel::security::pii {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline bool IsAsciiLetter(char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
// Letters, digits and '_': bytes that continue a word, so a value that
// touches one is part of a longer token (an order code, an identifier).
inline bool IsWordByte(char c) {
  return IsDigit(c) || IsAsciiLetter(c) || c == '_';
}
inline bool IsHexDigit(char c) {
  return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

// The byte at `pos`, or '\0' past either end.
inline char At(std::string_view text, std::size_t pos) {
  return pos < text.size() ? text[pos] : '\0';
}

// True when a value may end at `end`: what follows is not part of a longer
// word or number ("…5678.9", "…5678abc").
inline bool EndsToken(std::string_view text, std::size_t end) {
  const char next = At(text, end);
  if (IsWordByte(next)) return false;
  if ((next == '.' || next == ',') && IsDigit(At(text, end + 1))) return false;
  return true;
}

// True when a value may start at `start`: what precedes is not part of a
// longer word or number ("abc1381…", "3.1381…", "A-1381…").
inline bool StartsToken(std::string_view text, std::size_t start) {
  if (start == 0) return true;
  const char prev = text[start - 1];
  if (IsWordByte(prev)) return false;
  if ((prev == '.' || prev == '-' || prev == ',') && start >= 2 && IsWordByte(text[start - 2])) {
    return false;
  }
  return true;
}

}  // namespace citadel::security::pii
