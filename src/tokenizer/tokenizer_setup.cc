// TokenizerImpl::Create: validates a Vocab and derives the lookup tables,
// special-token sets and defaults the reference engine applies per model.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

std::uint32_t AttrOfType(TokenType type) {
  switch (type) {
    case TokenType::kNormal:
      return kAttrNormal;
    case TokenType::kUnknown:
      return kAttrUnknown;
    case TokenType::kControl:
      return kAttrControl;
    case TokenType::kUserDefined:
      return kAttrUserDefined;
    case TokenType::kUnused:
      return kAttrUnused;
    case TokenType::kByte:
      return kAttrByte;
    default:
      return kAttrUndefined;
  }
}

std::string ByteTokenText(unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "<0x%02X>", byte);
  return buf;
}

// Default special ids per model (before the metadata overrides them).
struct ModelDefaults {
  TokenId bos, eos, unk, sep, pad;
  bool add_bos, add_space_prefix;
};

Result<ModelDefaults> DefaultsFor(const std::string& model, ModelKind* kind) {
  if (model == "llama") {
    *kind = ModelKind::kSpm;
    return ModelDefaults{1, 2, 0, kNoToken, kNoToken, true, true};
  }
  if (model == "gpt2") {
    *kind = ModelKind::kBpe;
    return ModelDefaults{11, 11, kNoToken, kNoToken, kNoToken, false, false};
  }
  if (model == "gemma4") {
    *kind = ModelKind::kBpe;
    return ModelDefaults{kNoToken, kNoToken, kNoToken, kNoToken, kNoToken, false, false};
  }
  if (model == "bert") {
    *kind = ModelKind::kWpm;
    return ModelDefaults{101, kNoToken, 100, 102, 0, true, false};
  }
  return UnimplementedError("unknown tokenizer model '" + model +
                            "' (tokenizer.ggml.model); supported: llama, gpt2, gemma4, bert");
}

// The metadata id when it is set and in range, else the default (when in range).
TokenId ResolveId(std::int32_t from_metadata, TokenId fallback, std::size_t n_tokens) {
  const auto in_range = [&](TokenId id) {
    return id >= 0 && static_cast<std::size_t>(id) < n_tokens;
  };
  if (from_metadata != -2 && in_range(from_metadata)) return from_metadata;
  if (from_metadata == -1) return kNoToken;
  return in_range(fallback) ? fallback : kNoToken;
}

bool IsOneOf(std::string_view text, std::initializer_list<std::string_view> candidates) {
  return std::find(candidates.begin(), candidates.end(), text) != candidates.end();
}

// Finds a token by its text among `candidates` (first id wins), or kNoToken.
TokenId FindFirst(const TokenizerImpl& impl, std::initializer_list<std::string_view> candidates) {
  for (std::size_t id = 0; id < impl.vocab.tokens.size(); ++id) {
    if (IsOneOf(impl.vocab.tokens[id], candidates)) return static_cast<TokenId>(id);
  }
  return kNoToken;
}

void MarkControl(TokenizerImpl* impl, TokenId id) {
  if (id >= 0) impl->attrs[id] |= kAttrControl;
}

void SetUpEndOfGeneration(TokenizerImpl* impl, const Vocab& vocab) {
  const std::size_t n = impl->vocab.tokens.size();
  if (impl->eot == kNoToken) {
    impl->eot = FindFirst(*impl, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                                  "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
                                  "<｜end▁of▁sentence｜>", "<end_of_utterance>"});
    MarkControl(impl, impl->eot);
  }
  if (impl->eom == kNoToken) {
    impl->eom = FindFirst(*impl, {"<|eom_id|>"});
    MarkControl(impl, impl->eom);
  }
  for (const std::int32_t fim : {vocab.fim_pad_id, vocab.fim_rep_id, vocab.fim_sep_id}) {
    if (fim >= 0 && static_cast<std::size_t>(fim) < n) impl->end_of_generation.insert(fim);
  }
  bool has_tool_response = false;
  TokenId end_of_s = kNoToken;
  for (std::size_t id = 0; id < n; ++id) {
    const std::string_view text = impl->vocab.tokens[id];
    if (IsOneOf(text, {"<|eot_id|>",
                       "<|im_end|>",
                       "<|end|>",
                       "<|return|>",
                       "<|call|>",
                       "<|flush|>",
                       "<|calls|>",
                       "<end_of_turn>",
                       "<|endoftext|>",
                       "</s>",
                       "<|eom_id|>",
                       "<EOT>",
                       "_<EOT>",
                       "[EOT]",
                       "[EOS]",
                       "<|end_of_text|>",
                       "<end_of_utterance>",
                       "<eos>",
                       "<turn|>",
                       "<|tool_response>",
                       "<｜end▁of▁sentence｜>",
                       "[e~["})) {
      impl->end_of_generation.insert(static_cast<TokenId>(id));
      MarkControl(impl, static_cast<TokenId>(id));
      if (text == "<|tool_response>") has_tool_response = true;
      if (text == "</s>") end_of_s = static_cast<TokenId>(id);
    }
  }
  for (const TokenId id : {impl->eos, impl->eot, impl->eom}) {
    if (id >= 0) impl->end_of_generation.insert(id);
  }
  // gemma4: </s> is an ordinary token there.
  if (has_tool_response && end_of_s >= 0 && end_of_s != impl->eos) {
    impl->end_of_generation.erase(end_of_s);
    impl->attrs[end_of_s] = kAttrNormal;
  }
}

void SetUpAttributes(TokenizerImpl* impl) {
  const Vocab& vocab = impl->vocab;
  const std::size_t n = vocab.tokens.size();
  impl->attrs.assign(n, kAttrNormal);
  if (!vocab.types.empty()) {
    for (std::size_t id = 0; id < n; ++id) impl->attrs[id] = AttrOfType(vocab.types[id]);
  }
  impl->token_ids.Build(&vocab.tokens);
  for (std::size_t id = 0; id < n; ++id) {
    impl->max_token_bytes = std::max(impl->max_token_bytes, vocab.tokens[id].size());
  }
}

void SetUpSpecialTokens(TokenizerImpl* impl) {
  const std::size_t n = impl->vocab.tokens.size();
  for (std::size_t id = 0; id < n; ++id) {
    std::uint32_t& attr = impl->attrs[id];
    if ((attr & kAttrControl) && impl->vocab.tokens[id].find("unused") != std::string::npos) {
      attr |= kAttrUnused;
    }
    if (attr & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
      impl->special_tokens.push_back(static_cast<TokenId>(id));
    }
  }
  std::stable_sort(impl->special_tokens.begin(), impl->special_tokens.end(),
                   [&](TokenId a, TokenId b) {
                     return impl->vocab.tokens[a].size() > impl->vocab.tokens[b].size();
                   });
}

// The bytes a normal byte-level BPE token stands for; false when its text
// has characters outside the byte-level alphabet.
bool DecodeByteLevel(std::string_view text, std::string* raw) {
  raw->clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    const int byte = Gpt2CharToByte(DecodeUtf8Lenient(text, &pos));
    if (byte < 0) return false;
    raw->push_back(static_cast<char>(byte));
  }
  return true;
}

std::int32_t InternSymbol(TokenizerImpl* impl, std::string_view text) {
  if (const TokenId id = impl->token_ids.Find(text); id >= 0) return id;
  const auto [it, inserted] = impl->extra_symbols.emplace(
      std::string(text),
      static_cast<std::int32_t>(impl->vocab.tokens.size() + impl->extra_symbol_texts.size()));
  if (inserted) impl->extra_symbol_texts.emplace_back(text);
  return it->second;
}

Status SetUpBpe(TokenizerImpl* impl) {
  const std::string pre = impl->vocab.model == "gemma4" ? "gemma4" : impl->vocab.pre;
  CITADEL_ASSIGN_OR_RETURN(impl->pre_config, PreTokenizerConfigFor(pre));
  CITADEL_ASSIGN_OR_RETURN(impl->pre_tokenizer, PreTokenizer::Create(impl->pre_config.rules));
  impl->merges.Reserve(impl->vocab.merges.size());
  std::string joined;
  for (std::size_t rank = 0; rank < impl->vocab.merges.size(); ++rank) {
    const std::string_view merge = impl->vocab.merges[rank];
    const std::size_t space = merge.find(' ', 1);
    if (space == std::string_view::npos) continue;
    const std::string_view left = merge.substr(0, space);
    const std::string_view right = merge.substr(space + 1);
    joined.assign(left).append(right);
    const std::int32_t a = InternSymbol(impl, left);
    const std::int32_t b = InternSymbol(impl, right);
    const std::int32_t result = InternSymbol(impl, joined);
    impl->merges.Insert(a, b, MergeInfo{static_cast<std::int32_t>(rank), result});
  }
  for (int byte = 0; byte < 256; ++byte) {
    const std::string& text = ByteToGpt2Char(static_cast<unsigned char>(byte));
    const TokenId token = impl->token_ids.Find(text);
    const auto extra = impl->extra_symbols.find(text);
    impl->byte_symbols[byte] = token >= 0                           ? token
                               : extra != impl->extra_symbols.end() ? extra->second
                                                                    : -1;
  }
  if (impl->pre_config.ignore_merges && impl->pre_config.byte_encode) {
    const std::size_t n = impl->vocab.tokens.size();
    impl->raw_token_texts.resize(n);
    for (std::size_t id = 0; id < n; ++id) {
      if (!DecodeByteLevel(impl->vocab.tokens[id], &impl->raw_token_texts[id])) {
        impl->raw_token_texts[id].clear();
      }
    }
    impl->raw_token_ids.Build(&impl->raw_token_texts);
  }
  return OkStatus();
}

void SetUpByteFallback(TokenizerImpl* impl) {
  for (int byte = 0; byte < 256; ++byte) {
    TokenId id = impl->token_ids.Find(ByteTokenText(static_cast<unsigned char>(byte)));
    if (id < 0 && impl->kind == ModelKind::kSpm) {
      const char c = static_cast<char>(byte);
      id = impl->token_ids.Find(std::string_view(&c, 1));
    }
    impl->byte_fallback_tokens[byte] = id;
  }
}

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(from, pos);
    out.append(text.substr(pos, hit == std::string_view::npos ? hit : hit - pos));
    if (hit == std::string_view::npos) return out;
    out.append(to);
    pos = hit + from.size();
  }
}

// The bytes token `id` contributes to decoded text (control tokens: their text).
std::string PieceOf(const TokenizerImpl& impl, TokenId id) {
  const std::string& text = impl.vocab.tokens[id];
  const std::uint32_t attr = impl.attrs[id];
  if (attr & (kAttrControl | kAttrUnknown | kAttrUserDefined)) return text;
  if (attr & kAttrNormal) {
    if (impl.kind != ModelKind::kBpe || impl.pre_config.escape_whitespace) {
      return ReplaceAll(text, "\xE2\x96\x81", " ");
    }
    std::string raw;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t start = pos;
      const int byte = Gpt2CharToByte(DecodeUtf8Lenient(text, &pos));
      if (byte >= 0) {
        raw.push_back(static_cast<char>(byte));
      } else {
        raw.append(text, start, pos - start);  // outside the byte alphabet: keep as is
      }
    }
    return raw;
  }
  if ((attr & kAttrByte) && text.size() == 6 && text.compare(0, 3, "<0x") == 0) {
    return std::string(1, static_cast<char>(std::strtol(text.substr(3, 2).c_str(), nullptr, 16)));
  }
  return std::string();
}

bool ContainsAny(std::string_view text, std::initializer_list<std::string_view> needles) {
  for (const std::string_view needle : needles) {
    if (text.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

void SetAttr(TokenizerImpl* impl, std::string_view text, std::uint32_t attr, bool on) {
  const TokenId id = impl->token_ids.Find(text);
  if (id < 0) return;
  impl->attrs[id] = on ? (impl->attrs[id] | attr) : (impl->attrs[id] & ~attr);
}

// Attributes some models need that GGUF metadata does not carry, keyed by
// model, pre-tokenizer or architecture name as the reference does.
void SetUpModelSpecificAttributes(TokenizerImpl* impl) {
  std::string name = impl->vocab.model_name;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ContainsAny(impl->vocab.pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      ContainsAny(impl->vocab.architecture, {"nomic-bert-moe", "jina-bert-v3"})) {
    SetAttr(impl, "<mask>", kAttrLstrip, true);
  } else if (ContainsAny(name, {"phi-3", "phi3"})) {
    for (const TokenId id : impl->special_tokens) impl->attrs[id] |= kAttrRstrip;
    SetAttr(impl, "</s>", kAttrRstrip, true);
    for (const char* text : {"<unk>", "<s>", "<|endoftext|>"})
      SetAttr(impl, text, kAttrRstrip, false);
  } else if (ContainsAny(name, {"modern-bert"})) {
    SetAttr(impl, "[MASK]", kAttrLstrip, true);
  }
}

// True when every U+2581 in every token belongs to the token's leading run.
bool NoInnerSpaces(const Vocab& vocab) {
  constexpr std::string_view kSpace = "\xE2\x96\x81";
  for (const std::string& token : vocab.tokens) {
    std::size_t pos = 0;
    while (token.compare(pos, kSpace.size(), kSpace) == 0) pos += kSpace.size();
    if (token.find(kSpace, pos) != std::string::npos) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<TokenizerImpl>> TokenizerImpl::Create(Vocab vocab_in) {
  auto impl = std::make_unique<TokenizerImpl>();
  impl->vocab = std::move(vocab_in);
  Vocab& vocab = impl->vocab;
  CITADEL_ASSIGN_OR_RETURN(const ModelDefaults defaults, DefaultsFor(vocab.model, &impl->kind));
  const std::size_t n = vocab.tokens.size();
  if (n == 0) return InvalidArgumentError("tokenizer.ggml.tokens is empty");
  if (n > 0x7FFFFFFF) return InvalidArgumentError("tokenizer.ggml.tokens has too many entries");
  if (!vocab.scores.empty() && vocab.scores.size() != n) {
    return InvalidArgumentError("tokenizer.ggml.scores has " + std::to_string(vocab.scores.size()) +
                                " entries for " + std::to_string(n) + " tokens");
  }
  if (!vocab.types.empty() && vocab.types.size() != n) {
    return InvalidArgumentError("tokenizer.ggml.token_type has " +
                                std::to_string(vocab.types.size()) + " entries for " +
                                std::to_string(n) + " tokens");
  }
  for (std::size_t id = 0; id < n; ++id) {
    if (vocab.tokens[id].empty()) vocab.tokens[id] = "[EMPTY_" + std::to_string(id) + "]";
  }
  SetUpAttributes(impl.get());
  if (impl->kind == ModelKind::kBpe) CITADEL_TRY(SetUpBpe(impl.get()));

  impl->bos = ResolveId(vocab.bos_id, defaults.bos, n);
  impl->eos = ResolveId(vocab.eos_id, defaults.eos, n);
  impl->eot = ResolveId(vocab.eot_id, kNoToken, n);
  impl->eom = ResolveId(vocab.eom_id, kNoToken, n);
  impl->unk = ResolveId(vocab.unk_id, defaults.unk, n);
  impl->sep = ResolveId(vocab.sep_id, defaults.sep, n);
  impl->pad = ResolveId(vocab.pad_id, defaults.pad, n);
  impl->add_bos = defaults.add_bos || impl->pre_config.default_add_bos == 1;
  impl->add_space_prefix = defaults.add_space_prefix;
  if (vocab.add_space_prefix >= 0) impl->add_space_prefix = vocab.add_space_prefix == 1;
  if (vocab.add_bos >= 0) impl->add_bos = vocab.add_bos == 1;
  if (vocab.add_eos >= 0) impl->add_eos = vocab.add_eos == 1;
  if (vocab.model == "gemma4") impl->add_bos = true;
  if (vocab.lowercase >= 0) impl->lowercase = vocab.lowercase == 1;
  impl->strip_accents = impl->lowercase;
  if (vocab.strip_accents >= 0) impl->strip_accents = vocab.strip_accents == 1;

  SetUpEndOfGeneration(impl.get(), vocab);
  SetUpSpecialTokens(impl.get());
  SetUpModelSpecificAttributes(impl.get());
  SetUpByteFallback(impl.get());
  impl->spm_splits_at_spaces = impl->kind == ModelKind::kSpm && NoInnerSpaces(impl->vocab);
  impl->pieces.resize(n);
  for (std::size_t id = 0; id < n; ++id)
    impl->pieces[id] = PieceOf(*impl, static_cast<TokenId>(id));

  if (impl->kind == ModelKind::kSpm) {
    impl->newline = impl->byte_fallback_tokens[static_cast<unsigned char>('\n')];
  } else if (impl->kind == ModelKind::kWpm) {
    impl->newline = impl->pad;
  } else {
    std::vector<TokenId> ids;
    impl->Encode("\n", false, false, &ids);
    impl->newline = ids.empty() ? impl->pad : ids[0];
  }
  return impl;
}

}  // namespace citadel::tokenizer
