// WordPiece (BERT): normalise (lowercase, strip accents), split on
// whitespace and around punctuation and CJK characters, then cover each word,
// prefixed with U+2581, by greedy longest vocabulary matches; a word that
// cannot be covered becomes the unknown token.
#include <algorithm>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

bool IsCjk(std::uint32_t cpt) {
  return (cpt >= 0x4E00 && cpt <= 0x9FFF) || (cpt >= 0x3400 && cpt <= 0x4DBF) ||
         (cpt >= 0x20000 && cpt <= 0x2A6DF) || (cpt >= 0x2A700 && cpt <= 0x2B73F) ||
         (cpt >= 0x2B740 && cpt <= 0x2B81F) || (cpt >= 0x2B920 && cpt <= 0x2CEAF) ||
         (cpt >= 0xF900 && cpt <= 0xFAFF) || (cpt >= 0x2F800 && cpt <= 0x2FA1F);
}

std::vector<std::string> SplitWords(std::string_view text, bool lowercase, bool strip_accents) {
  std::vector<std::string> words(1);
  const auto finish_word = [&] {
    if (!words.back().empty()) words.emplace_back();
  };
  for (std::uint32_t cpt : DecodeUtf8(text)) {
    if (strip_accents) cpt = NfdFirstCodepoint(cpt);
    const std::uint16_t flags = CodepointFlagsOf(cpt);
    if (flags & kFlagWhitespace) {
      finish_word();
      continue;
    }
    if (cpt == 0 || cpt == kReplacementChar || (flags & kFlagControl)) continue;
    if (strip_accents && (flags & kFlagMark)) continue;
    std::string utf8;
    AppendUtf8(lowercase ? ToLowerCodepoint(cpt) : cpt, &utf8);
    if ((flags & kFlagPunctuation) || (cpt < 0x7F && (flags & kFlagSymbol)) || IsCjk(cpt)) {
      finish_word();
      words.back() = utf8;
      words.emplace_back();
    } else {
      words.back() += utf8;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

}  // namespace

void TokenizerImpl::EncodeWpm(std::string_view text, std::vector<TokenId>* out) const {
  for (const std::string& word : SplitWords(text, lowercase, strip_accents)) {
    const std::string marked = "\xE2\x96\x81" + word;
    const std::size_t n = marked.size();
    const std::size_t first = out->size();
    for (std::size_t i = 0; i < n;) {
      std::size_t matched = 0;
      for (std::size_t j = std::min(n, i + max_token_bytes + 1); j > i; --j) {
        const TokenId id = token_ids.Find(std::string_view(marked).substr(i, j - i));
        if (id >= 0) {
          out->push_back(id);
          matched = j;
          break;
        }
      }
      if (matched == 0) {
        out->resize(first);
        break;
      }
      i = matched;
    }
    if (out->size() == first && unk >= 0) out->push_back(unk);
  }
}

}  // namespace citadel::tokenizer
