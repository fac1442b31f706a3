// Byte-pair encoding of pre-tokenized words: repeatedly merge the adjacent
// pair with the lowest merge rank (leftmost first on ties) until no pair of
// neighbours has a merge, then map each symbol to its token.
#include <algorithm>
#include <unordered_map>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81";  // U+2581

struct Symbol {
  std::uint32_t start;  // byte offset in the word
  std::uint32_t len;    // 0 once merged into its left neighbour
  std::int32_t sym;     // symbol id (token id, or extra merge part), -1 unknown
  std::int32_t prev;
  std::int32_t next;
};

struct Candidate {
  std::int32_t rank;
  std::int32_t left;
  std::int32_t right;
  std::int32_t result;
  std::uint32_t len;  // bytes of left + right when proposed
};

// Heap order: the top is the lowest rank, then the leftmost pair.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

// Scratch state for encoding the words of one text. Thread-compatible.
class BpeWordEncoder {
 public:
  explicit BpeWordEncoder(const TokenizerImpl& impl) : impl_(impl) {}

  void EncodeWord(std::string_view word, std::vector<TokenId>* out) {
    if (TryWholeWord(word, out)) return;
    InitSymbols(word);
    for (std::size_t i = 1; i < symbols_.size(); ++i) {
      Propose(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));
    }
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), LowerPriority());
      const Candidate best = heap_.back();
      heap_.pop_back();
      Symbol& left = symbols_[best.left];
      Symbol& right = symbols_[best.right];
      if (left.len == 0 || right.len == 0 || left.len + right.len != best.len) continue;
      left.len += right.len;
      left.sym = best.result;
      right.len = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = best.left;
      Propose(left.prev, best.left);
      Propose(best.left, left.next);
    }
    for (std::int32_t i = 0; i >= 0; i = symbols_[i].next) EmitSymbol(word, symbols_[i], out);
  }

 private:
  // ignore_merges: a word that is itself a token; and newline runs for gemma4.
  bool TryWholeWord(std::string_view word, std::vector<TokenId>* out) const {
    const bool newlines =
        !impl_.pre_config.byte_encode && word.find_first_not_of('\n') == std::string_view::npos;
    if (!impl_.pre_config.ignore_merges && !newlines) return false;
    const auto& table = impl_.pre_config.byte_encode ? impl_.raw_token_ids : impl_.token_ids;
    const TokenId id = table.Find(word);
    if (id < 0) return false;
    out->push_back(id);
    return true;
  }

  std::int32_t SymbolOf(std::string_view text) const {
    if (const TokenId id = impl_.token_ids.Find(text); id >= 0) return id;
    if (impl_.extra_symbols.empty()) return -1;
    if (const auto it = impl_.extra_symbols.find(std::string(text));
        it != impl_.extra_symbols.end()) {
      return it->second;
    }
    return -1;
  }

  void InitSymbols(std::string_view word) {
    symbols_.clear();
    heap_.clear();
    std::size_t pos = 0;
    while (pos < word.size()) {
      const auto lead = static_cast<unsigned char>(word[pos]);
      const std::size_t len =
          impl_.pre_config.byte_encode ? 1 : std::min(Utf8SeqLen(lead), word.size() - pos);
      const std::int32_t sym =
          impl_.pre_config.byte_encode ? impl_.byte_symbols[lead] : SymbolOf(word.substr(pos, len));
      const auto index = static_cast<std::int32_t>(symbols_.size());
      symbols_.push_back(Symbol{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(len),
                                sym, index - 1, pos + len < word.size() ? index + 1 : -1});
      pos += len;
    }
  }

  void Propose(std::int32_t left, std::int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& a = symbols_[left];
    const Symbol& b = symbols_[right];
    if (a.sym < 0 || b.sym < 0) return;
    const MergeInfo* merge = impl_.merges.Find(a.sym, b.sym);
    if (merge == nullptr) return;
    heap_.push_back(Candidate{merge->rank, left, right, merge->result, a.len + b.len});
    std::push_heap(heap_.begin(), heap_.end(), LowerPriority());
  }

  void EmitSymbol(std::string_view word, const Symbol& symbol, std::vector<TokenId>* out) const {
    const auto n_tokens = static_cast<std::int32_t>(impl_.vocab.tokens.size());
    if (symbol.sym >= 0 && symbol.sym < n_tokens) {
      out->push_back(symbol.sym);
      return;
    }
    const std::string_view bytes = word.substr(symbol.start, symbol.len);
    if (!impl_.pre_config.byte_encode) {
      for (const char c : bytes) {
        const TokenId id = impl_.byte_fallback_tokens[static_cast<unsigned char>(c)];
        if (id >= 0) out->push_back(id);
      }
      return;
    }
    // Like the reference: look up each byte of the symbol's byte-level text
    // on its own (only printable ASCII can succeed).
    for (const char c : bytes) {
      for (const char encoded : ByteToGpt2Char(static_cast<unsigned char>(c))) {
        const TokenId id = impl_.token_ids.Find(std::string_view(&encoded, 1));
        if (id >= 0) out->push_back(id);
      }
    }
  }

  const TokenizerImpl& impl_;
  std::vector<Symbol> symbols_;
  std::vector<Candidate> heap_;
};

void TokenizerImpl::EncodeBpe(std::string_view text, std::vector<TokenId>* out) const {
  std::string escaped;
  if (pre_config.escape_whitespace) {
    escaped.reserve(text.size() + text.size() / 4);
    for (const char c : text) {
      if (c == ' ') {
        escaped += kSentencePieceSpace;
      } else {
        escaped += c;
      }
    }
    text = escaped;
  }
  const std::vector<std::uint32_t> cpts = DecodeUtf8(text);
  std::vector<std::uint32_t> word_lengths;
  pre_tokenizer->Split(cpts.data(), cpts.size(), &word_lengths);

  BpeWordEncoder encoder(*this);
  // Words repeat a lot in real text: remember the ids of words seen in this
  // call (bounded, so hostile input cannot grow it without limit).
  constexpr std::size_t kMaxCachedWords = 1 << 16;
  constexpr std::size_t kMaxCachedWordBytes = 64;
  std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>> cache;
  std::vector<TokenId> cached_ids;
  const bool use_cache = word_lengths.size() > 64;
  std::string word;
  std::size_t cpt_index = 0;
  for (const std::uint32_t length : word_lengths) {
    word.clear();
    for (std::uint32_t i = 0; i < length; ++i) AppendUtf8(cpts[cpt_index + i], &word);
    cpt_index += length;
    if (!use_cache || word.size() > kMaxCachedWordBytes) {
      encoder.EncodeWord(word, out);
      continue;
    }
    if (const auto it = cache.find(word); it != cache.end()) {
      out->insert(out->end(), cached_ids.begin() + it->second.first,
                  cached_ids.begin() + it->second.first + it->second.second);
      continue;
    }
    const std::size_t before = out->size();
    encoder.EncodeWord(word, out);
    if (cache.size() < kMaxCachedWords) {
      const auto offset = static_cast<std::uint32_t>(cached_ids.size());
      cached_ids.insert(cached_ids.end(), out->begin() + before, out->end());
      cache.emplace(word, std::pair{offset, static_cast<std::uint32_t>(out->size() - before)});
    }
  }
}

}  // namespace citadel::tokenizer
