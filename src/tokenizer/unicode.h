// Unicode helpers for the tokenizers: lenient UTF-8 decoding that matches the
// reference engine, code point categories (\p{L}, \p{N}, ...) and the few
// case/normalisation mappings WordPiece needs.
//
// All functions are pure; the lookup tables are immutable after first use
// and safe to read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace citadel::tokenizer {

// Category and property bits of one code point.
enum CodepointFlags : std::uint16_t {
  kFlagUndefined = 0x0001,    // unassigned (Cn), and anything above U+10FFFF
  kFlagNumber = 0x0002,       // \p{N}
  kFlagLetter = 0x0004,       // \p{L}
  kFlagSeparator = 0x0008,    // \p{Z}
  kFlagMark = 0x0010,         // \p{M}
  kFlagPunctuation = 0x0020,  // \p{P}
  kFlagSymbol = 0x0040,       // \p{S}
  kFlagControl = 0x0080,      // \p{C} except Cn
  kFlagCategoryMask = 0x00FF,
  kFlagWhitespace = 0x0100,  // Unicode White_Space (\s)
};

inline constexpr std::uint32_t kReplacementChar = 0xFFFD;
inline constexpr std::uint32_t kMaxCodepoint = 0x10FFFF;

// Flags of `cpt` (kFlagUndefined above U+10FFFF).
std::uint16_t CodepointFlagsOf(std::uint32_t cpt);

// Byte length of the UTF-8 sequence that starts with `lead` judged by its
// high bits alone (1 for continuation bytes), as the SentencePiece splitter uses.
inline std::size_t Utf8SeqLen(unsigned char lead) {
  static constexpr unsigned char kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

// Decodes one code point at `text[*pos]` and advances `*pos`. A malformed
// sequence (bad lead byte, missing continuation bytes, value above U+10FFFF)
// yields U+FFFD and advances one byte, exactly as the reference does.
// Overlong forms and surrogates are accepted like the reference accepts them.
std::uint32_t DecodeUtf8Lenient(std::string_view text, std::size_t* pos);

// All code points of `text` decoded with DecodeUtf8Lenient.
std::vector<std::uint32_t> DecodeUtf8(std::string_view text);

// Appends the UTF-8 encoding of `cpt` (<= U+10FFFF; larger values append U+FFFD).
void AppendUtf8(std::uint32_t cpt, std::string* out);

// True when `text` is entirely well-formed UTF-8 in the lenient sense above
// (DecodeUtf8Lenient never substitutes U+FFFD for it).
bool IsLenientUtf8(std::string_view text);

// Strict UTF-8 check of the sequence starting at text[0]: returns its length
// when complete and valid, 0 when it is a valid but incomplete prefix, -1 when
// it can never become valid (bad lead, bad continuation, overlong, surrogate,
// above U+10FFFF).
int Utf8SequenceStatus(std::string_view text);

// Simple lowercase mapping (identity when none).
std::uint32_t ToLowerCodepoint(std::uint32_t cpt);
// First code point of the canonical decomposition (identity when none).
std::uint32_t NfdFirstCodepoint(std::uint32_t cpt);

}  // namespace citadel::tokenizer
