// PreTokenizer: splits text into the words byte-level BPE merges within, by
// the rules the model names in `tokenizer.ggml.pre`.
//
// A pre-tokenizer is a list of split rules applied in turn: each rule cuts
// every piece left by the previous rule into the spans its pattern matches
// and the spans between matches ("isolated" splitting). The common rules
// (GPT-2, Llama 3, Qwen2, Qwen3.5, newline runs) are hand-written scanners;
// the others are PCRE2 patterns. Unicode categories follow unicode.h; a
// pattern that uses \p{..} runs over a one-byte-per-code-point "collapsed"
// copy of the text so that PCRE2's and the reference's category data cannot
// disagree.
//
// Immutable after Create; thread-safe for concurrent Split calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::tokenizer {

// How one split rule finds its matches.
enum class SplitKind {
  kGpt2,      // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
  kLlama3,    // case-insensitive contractions, [^\r\n\p{L}\p{N}]?\p{L}+, \p{N}{1,3}, ...
  kQwen2,     // as kLlama3 with single digits
  kQwen35,    // as kQwen2 with \p{M} joining letters
  kNewlines,  // [^\n]+|[\n]+
  kRegex,     // a PCRE2 pattern
};

struct SplitRule {
  SplitKind kind;
  std::string pattern;  // kRegex only
};

// Everything a pre-tokenizer name implies for the BPE tokenizer.
struct PreTokenizerConfig {
  std::vector<SplitRule> rules;
  bool byte_encode = true;         // GPT-2 byte-to-unicode mapping of words
  bool escape_whitespace = false;  // spaces become U+2581 before splitting (gemma4)
  bool ignore_merges = false;      // a word that is a token is not merged further
  int default_add_bos = -1;        // 1 when the name implies add_bos, else -1
};

// The configuration of pre-tokenizer `name` ("" means "default").
// Unimplemented naming the value when the name is unknown.
Result<PreTokenizerConfig> PreTokenizerConfigFor(std::string_view name);

class CompiledRules;

class PreTokenizer {
 public:
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Compiles the rules; Internal when a pattern does not compile.
  static Result<std::unique_ptr<PreTokenizer>> Create(std::vector<SplitRule> rules);

  // Splits code points `cpts[0, count)` into words; appends the length (in
  // code points) of each non-empty word to `word_lengths`, in order.
  void Split(const std::uint32_t* cpts, std::size_t count,
             std::vector<std::uint32_t>* word_lengths) const;

 private:
  explicit PreTokenizer(std::unique_ptr<CompiledRules> rules);
  std::unique_ptr<CompiledRules> rules_;
};

}  // namespace citadel::tokenizer
