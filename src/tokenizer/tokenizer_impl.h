// TokenizerImpl: the loaded state behind Tokenizer (internal header).
//
// Built once by Tokenizer::FromVocab, immutable afterwards; every method is
// const and keeps scratch state on the stack, so it is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tokenizer/lookup_tables.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace citadel::tokenizer {

// Token attribute bits (several may be set, e.g. control + unused).
enum TokenAttr : std::uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrLstrip = 1u << 6,  // whitespace before the token is dropped when it is matched in text
  kAttrRstrip = 1u << 7,  // whitespace after the token is dropped
};

enum class ModelKind { kSpm, kBpe, kWpm };

// SentencePiece merge state: a symbol is a byte span of the text, linked to
// its neighbours; a candidate is a pair whose concatenation is a token.
struct SpmSymbol {
  std::uint32_t start;
  std::uint32_t len;  // 0 once merged into its left neighbour
  std::int32_t prev;
  std::int32_t next;
};
struct SpmCandidate {
  float score;
  std::int32_t left;
  std::int32_t right;
  std::uint32_t len;  // bytes of left + right when proposed
};

class TokenizerImpl {
 public:
  // Validates `vocab` and derives everything Encode/Decode need.
  static Result<std::unique_ptr<TokenizerImpl>> Create(Vocab vocab);

  void Encode(std::string_view text, bool add_special, bool parse_special,
              std::vector<TokenId>* out) const;

  Vocab vocab;
  ModelKind kind = ModelKind::kBpe;
  std::vector<std::uint32_t> attrs;  // per token, TokenAttr bits
  std::vector<std::string> pieces;   // per token, its bytes in decoded text (control: its text)
  StringIdTable token_ids;           // vocabulary string -> id (last wins)

  TokenId bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken;
  TokenId unk = kNoToken, sep = kNoToken, pad = kNoToken, newline = kNoToken;
  std::unordered_set<TokenId> end_of_generation;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;
  bool lowercase = true;      // WordPiece normalizer
  bool strip_accents = true;  // WordPiece normalizer
  std::size_t max_token_bytes = 0;
  // SentencePiece: no token has U+2581 after another character, so merges
  // never cross the start of a run of spaces.
  bool spm_splits_at_spaces = false;

  // Special tokens matched inside raw text, longest text first.
  std::vector<TokenId> special_tokens;

  // BPE state.
  PreTokenizerConfig pre_config;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unordered_map<std::string, std::int32_t> extra_symbols;  // merge parts that are not tokens
  std::vector<std::string> extra_symbol_texts;                  // id - vocab size -> text
  MergeTable merges;                                            // (left, right) -> merge
  std::int32_t byte_symbols[256];            // byte-level BPE: symbol of each raw byte (-1 none)
  TokenId byte_fallback_tokens[256];         // <0xXX> tokens (-1 none)
  std::vector<std::string> raw_token_texts;  // byte-level: token text as raw bytes
  StringIdTable raw_token_ids;               // raw bytes -> token

 private:
  void EncodeSpm(std::string_view text, std::vector<TokenId>* out) const;
  void MergeSpmRange(std::string_view text, std::vector<SpmSymbol>& symbols, std::int32_t first,
                     std::int32_t last, std::vector<SpmCandidate>& heap,
                     std::vector<TokenId>* out) const;
  void EncodeBpe(std::string_view text, std::vector<TokenId>* out) const;
  void EncodeWpm(std::string_view text, std::vector<TokenId>* out) const;
};

// Free helpers shared by the encoder files.
// GPT-2's printable stand-in (UTF-8) for each byte value.
const std::string& ByteToGpt2Char(unsigned char byte);
// Inverse mapping; -1 when `cpt` is not one of the 256 stand-ins.
int Gpt2CharToByte(std::uint32_t cpt);

}  // namespace citadel::tokenizer
