// Reads the `tokenizer.*` GGUF metadata into a Vocab.
#include <string>

#include "gguf/gguf_file.h"
#include "tokenizer/vocab.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";

Status ReadOptionalId(const gguf::GgufFile& file, std::string_view key, std::int32_t* id) {
  if (!file.Has(key)) return OkStatus();
  CITADEL_ASSIGN_OR_RETURN(const std::uint32_t value, file.GetU32(key));
  // Ids that do not fit keep the model default, as the reference does for
  // ids outside the vocabulary.
  if (value <= 0x7FFFFFFFu) *id = static_cast<std::int32_t>(value);
  return OkStatus();
}

Status ReadOptionalFlag(const gguf::GgufFile& file, std::string_view key, int* flag) {
  if (!file.Has(key)) return OkStatus();
  CITADEL_ASSIGN_OR_RETURN(const bool value, file.GetBool(key));
  *flag = value ? 1 : 0;
  return OkStatus();
}

Status ReadIds(const gguf::GgufFile& file, Vocab* vocab) {
  const std::pair<std::string_view, std::int32_t*> ids[] = {
      {"tokenizer.ggml.bos_token_id", &vocab->bos_id},
      {"tokenizer.ggml.eos_token_id", &vocab->eos_id},
      {"tokenizer.ggml.eot_token_id", &vocab->eot_id},
      {"tokenizer.ggml.eom_token_id", &vocab->eom_id},
      {"tokenizer.ggml.unknown_token_id", &vocab->unk_id},
      {"tokenizer.ggml.seperator_token_id", &vocab->sep_id},
      {"tokenizer.ggml.padding_token_id", &vocab->pad_id},
      {"tokenizer.ggml.mask_token_id", &vocab->mask_id},
      {"tokenizer.ggml.fim_pad_token_id", &vocab->fim_pad_id},
      {"tokenizer.ggml.fim_rep_token_id", &vocab->fim_rep_id},
      {"tokenizer.ggml.fim_sep_token_id", &vocab->fim_sep_id},
  };
  for (const auto& [key, id] : ids) CITADEL_TRY(ReadOptionalId(file, key, id));
  const std::pair<std::string_view, int*> flags[] = {
      {"tokenizer.ggml.add_bos_token", &vocab->add_bos},
      {"tokenizer.ggml.add_eos_token", &vocab->add_eos},
      {"tokenizer.ggml.add_space_prefix", &vocab->add_space_prefix},
      {"tokenizer.ggml.normalizer.lowercase", &vocab->lowercase},
      {"tokenizer.ggml.normalizer.strip_accents", &vocab->strip_accents},
  };
  for (const auto& [key, flag] : flags) CITADEL_TRY(ReadOptionalFlag(file, key, flag));
  return OkStatus();
}

Status ReadArrays(const gguf::GgufFile& file, Vocab* vocab) {
  CITADEL_ASSIGN_OR_RETURN(std::vector<std::string_view> tokens, file.GetStringArray(kTokensKey));
  vocab->tokens.assign(tokens.begin(), tokens.end());
  const std::size_t n = vocab->tokens.size();
  if (file.Has("tokenizer.ggml.scores")) {
    CITADEL_ASSIGN_OR_RETURN(vocab->scores, file.GetF32Array("tokenizer.ggml.scores"));
    if (vocab->scores.size() < n) {
      return InvalidArgumentError(file.name() + ": tokenizer.ggml.scores has " +
                                  std::to_string(vocab->scores.size()) + " entries for " +
                                  std::to_string(n) + " tokens");
    }
    vocab->scores.resize(n);
  }
  if (file.Has("tokenizer.ggml.token_type")) {
    CITADEL_ASSIGN_OR_RETURN(std::vector<std::int32_t> types,
                             file.GetI32Array("tokenizer.ggml.token_type"));
    if (types.size() < n) {
      return InvalidArgumentError(file.name() + ": tokenizer.ggml.token_type has " +
                                  std::to_string(types.size()) + " entries for " +
                                  std::to_string(n) + " tokens");
    }
    vocab->types.resize(n);
    for (std::size_t i = 0; i < n; ++i) vocab->types[i] = static_cast<TokenType>(types[i]);
  }
  if (file.Has("tokenizer.ggml.merges")) {
    CITADEL_ASSIGN_OR_RETURN(std::vector<std::string_view> merges,
                             file.GetStringArray("tokenizer.ggml.merges"));
    vocab->merges.assign(merges.begin(), merges.end());
  }
  return OkStatus();
}

}  // namespace

Result<Vocab> ReadVocab(const gguf::GgufFile& file) {
  Vocab vocab;
  if (!file.Has(kModelKey)) {
    return NotFoundError(file.name() + ": no tokenizer (" + std::string(kModelKey) + " missing)");
  }
  CITADEL_ASSIGN_OR_RETURN(std::string_view model, file.GetString(kModelKey));
  vocab.model = std::string(model);
  if (file.Has("tokenizer.ggml.pre")) {
    CITADEL_ASSIGN_OR_RETURN(std::string_view pre, file.GetString("tokenizer.ggml.pre"));
    vocab.pre = std::string(pre);
  }
  for (const auto& [key, field] : {std::pair{"general.name", &vocab.model_name},
                                   std::pair{"general.architecture", &vocab.architecture}}) {
    if (!file.Has(key)) continue;
    CITADEL_ASSIGN_OR_RETURN(std::string_view value, file.GetString(key));
    *field = std::string(value);
  }
  if (!file.Has(kTokensKey)) {
    return NotFoundError(file.name() + ": " + std::string(kTokensKey) + " missing");
  }
  CITADEL_TRY(ReadArrays(file, &vocab));
  CITADEL_TRY(ReadIds(file, &vocab));
  return vocab;
}

}  // namespace citadel::tokenizer
