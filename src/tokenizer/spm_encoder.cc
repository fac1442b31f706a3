// SentencePiece-style encoding: start from UTF-8 characters, repeatedly
// merge the adjacent pair whose concatenation is the vocabulary token with
// the highest score (leftmost first on ties); characters that end up outside
// the vocabulary fall back to <0xXX> byte tokens.
#include <algorithm>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81";  // U+2581

// Heap order: the top is the highest score, then the leftmost pair.
struct SpmLowerPriority {
  bool operator()(const SpmCandidate& a, const SpmCandidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

// Merges symbols[first, last) (linked among themselves) and appends the
// resulting tokens. `heap` is scratch.
void TokenizerImpl::MergeSpmRange(std::string_view text, std::vector<SpmSymbol>& symbols,
                                  std::int32_t first, std::int32_t last,
                                  std::vector<SpmCandidate>& heap,
                                  std::vector<TokenId>* out) const {
  heap.clear();
  const auto propose = [&](std::int32_t left, std::int32_t right) {
    if (left < 0 || right < 0) return;
    const std::uint32_t len = symbols[left].len + symbols[right].len;
    const TokenId id = token_ids.Find(text.substr(symbols[left].start, len));
    if (id < 0) return;
    const float score = vocab.scores.empty() ? 0.0f : vocab.scores[id];
    heap.push_back(SpmCandidate{score, left, right, len});
    std::push_heap(heap.begin(), heap.end(), SpmLowerPriority());
  };
  for (std::int32_t i = first + 1; i < last; ++i) propose(i - 1, i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), SpmLowerPriority());
    const SpmCandidate best = heap.back();
    heap.pop_back();
    SpmSymbol& left = symbols[best.left];
    SpmSymbol& right = symbols[best.right];
    if (left.len == 0 || right.len == 0 || left.len + right.len != best.len) continue;
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = best.left;
    propose(left.prev, best.left);
    propose(best.left, left.next);
  }
  for (std::int32_t i = first; i >= 0; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].start, symbols[i].len);
    if (const TokenId id = token_ids.Find(piece); id >= 0) {
      out->push_back(id);
      continue;
    }
    for (const char c : piece) {
      const TokenId id = byte_fallback_tokens[static_cast<unsigned char>(c)];
      if (id >= 0) {
        out->push_back(id);
      } else if (unk >= 0) {
        out->push_back(unk);
      }
    }
  }
}

void TokenizerImpl::EncodeSpm(std::string_view text, std::vector<TokenId>* out) const {
  std::vector<SpmSymbol> symbols;
  symbols.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t len =
        std::min(Utf8SeqLen(static_cast<unsigned char>(text[pos])), text.size() - pos);
    const auto index = static_cast<std::int32_t>(symbols.size());
    symbols.push_back(SpmSymbol{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(len),
                                index - 1, index + 1});
    pos += len;
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;
  // When no token has U+2581 after another character, nothing merges across
  // the start of a space run: each such span is merged on its own, with the
  // same result as one pass over the whole text but a much smaller heap.
  const auto is_space = [&](std::size_t i) {
    return symbols[i].len == 3 && text.compare(symbols[i].start, 3, kSentencePieceSpace) == 0;
  };
  std::vector<SpmCandidate> heap;
  std::int32_t first = 0;
  const auto n = static_cast<std::int32_t>(symbols.size());
  for (std::int32_t i = 1; i <= n; ++i) {
    const bool cut = i == n || (spm_splits_at_spaces && is_space(i) && !is_space(i - 1));
    if (!cut) continue;
    symbols[first].prev = -1;
    symbols[i - 1].next = -1;
    MergeSpmRange(text, symbols, first, i, heap, out);
    first = i;
  }
}

}  // namespace citadel::tokenizer
