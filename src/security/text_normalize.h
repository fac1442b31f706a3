// The normalisation the sensitive-word filter matches under: a subset of
// NFKC and case folding that covers the usual ways a term is disguised.
//
//   full-width ASCII U+FF01..U+FF5E   -> U+0021..U+007E ("ＡＢＣ" -> "abc")
//   ideographic space U+3000, NBSP    -> ignored (as every separator)
//   A-Z, Latin-1, Greek, Cyrillic capitals -> lower case
//   separators (whitespace, ASCII and CJK punctuation, middle dots) and
//   zero-width characters (U+200B..U+200D, U+2060, U+FEFF, U+00AD)
//                                     -> ignored ("b.a.d", "法 轮" match)
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace citadel::security {

// Returned by NormalizeCodePoint for a character that is skipped.
inline constexpr char32_t kIgnoredCodePoint = 0;
// Stands for an undecodable byte.
inline constexpr char32_t kReplacementCodePoint = 0xFFFD;

// Decodes the UTF-8 character at text[pos] into `cp` and returns its length
// in bytes (>= 1). An invalid or truncated sequence decodes one byte as
// U+FFFD, so every byte is consumed exactly once.
std::size_t DecodeUtf8(std::string_view text, std::size_t pos, char32_t& cp);

// The character `cp` is matched as, or kIgnoredCodePoint.
char32_t NormalizeCodePoint(char32_t cp);

// A normalised letter or digit of the Latin script (a-z, 0-9): terms that
// begin or end with one match only at a word boundary, so "ass" is not
// found inside "class".
inline bool IsLatinWordCodePoint(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
}

}  // namespace citadel::security
