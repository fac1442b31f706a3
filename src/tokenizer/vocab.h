// Vocab: the plain typed form of a model's `tokenizer.*` GGUF metadata.
//
// Parsed once at the edge (vocab_loader.cc reads it from a GgufFile; tests
// build small ones by hand) and handed to Tokenizer::FromVocab, which
// validates it. Thread-compatible value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::gguf {
class GgufFile;
}  // namespace citadel::gguf

namespace citadel::tokenizer {

// `tokenizer.ggml.token_type` values as GGUF stores them.
enum class TokenType : std::int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct Vocab {
  // tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE),
  // "gemma4" (BPE over raw UTF-8) or "bert" (WordPiece).
  std::string model;
  // tokenizer.ggml.pre: the pre-tokenizer name ("llama-bpe", "qwen2", ...);
  // empty means "default" for BPE and is ignored by the other models.
  std::string pre;
  // general.name and general.architecture: a few models need per-token
  // attributes the metadata does not carry (e.g. Phi-3 strips spaces after
  // its special tokens).
  std::string model_name;
  std::string architecture;

  std::vector<std::string> tokens;  // id -> vocabulary string
  std::vector<float> scores;        // empty or one per token (SentencePiece merge priority)
  std::vector<TokenType> types;     // empty (all normal) or one per token
  std::vector<std::string> merges;  // BPE merges "left right", by rank

  // Special token ids: -2 = not in the metadata (the model's default applies,
  // e.g. <s> = 1 for "llama"); -1 = explicitly none. Ids outside the
  // vocabulary fall back to the default, as in the reference.
  std::int32_t bos_id = -2;
  std::int32_t eos_id = -2;
  std::int32_t eot_id = -2;
  std::int32_t eom_id = -2;
  std::int32_t unk_id = -2;
  std::int32_t sep_id = -2;
  std::int32_t pad_id = -2;
  std::int32_t mask_id = -2;
  // Fill-in-the-middle markers that also end generation (as the reference treats them).
  std::int32_t fim_pad_id = -2;
  std::int32_t fim_rep_id = -2;
  std::int32_t fim_sep_id = -2;

  // Flags: 1 / 0, or -1 = not in the metadata (the model's default applies).
  int add_bos = -1;
  int add_eos = -1;
  int add_space_prefix = -1;
  int lowercase = -1;      // bert normalizer
  int strip_accents = -1;  // bert normalizer
};

// Reads the tokenizer metadata of `file` into a Vocab (strings are copied).
// InvalidArgument naming the key when a present key has the wrong type or
// array length; NotFound when tokenizer.ggml.model or .tokens is missing.
Result<Vocab> ReadVocab(const gguf::GgufFile& file);

}  // namespace citadel::tokenizer
