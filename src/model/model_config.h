// Hyper-parameters of a transformer model, read once from GGUF metadata into
// a plain struct (habit 14): the forward pass never looks at metadata again.
//
// Supported architecture families (one file each: llama.cc, qwen2.cc,
// qwen3.cc): llama (Llama 2, Llama 3.x, TinyLlama, SmolLM, Mistral 7B),
// qwen2 (q/k/v bias, NeoX RoPE) and qwen3 (per-head q/k RMSNorm, NeoX RoPE).
//
// Plain value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "gguf/gguf_file.h"
#include "util/status.h"

namespace citadel::model {

enum class Architecture { kLlama, kQwen2, kQwen3 };

struct ModelConfig {
  Architecture architecture = Architecture::kLlama;
  std::string architecture_name;  // general.architecture, e.g. "llama"
  std::string name;               // general.name, or empty

  int vocab_size = 0;        // rows of token_embd.weight
  int embedding_length = 0;  // model width
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;  // key/value length per head
  int feed_forward_length = 0;
  int context_length = 0;  // trained context
  float rms_norm_eps = 1e-5f;

  int rope_dims = 0;  // rotated dimensions per head
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  bool rope_neox = false;  // NeoX pair layout (qwen2, qwen3)

  bool qkv_bias = false;           // qwen2: attn_{q,k,v}.bias
  bool qk_norm = false;            // qwen3: attn_{q,k}_norm.weight per head
  bool tied_embeddings = false;    // output.weight absent: reuse token_embd.weight
  bool rope_freq_factors = false;  // rope_freqs.weight present (llama3 scaling)

  int q_dim() const { return num_heads * head_dim; }
  int kv_dim() const { return num_kv_heads * head_dim; }
};

// Reads and validates the hyper-parameters of `file`. InvalidArgument naming
// the architecture when general.architecture is not one of llama, qwen2,
// qwen3; InvalidArgument / NotFound naming the key when a value is missing or
// inconsistent (heads not dividing, zero sizes, ...) or contradicts the
// tensors (model/metadata_check.h).
Result<ModelConfig> ModelConfigFromGguf(const gguf::GgufFile& file);

// Shared by the architecture files: the keys every family stores under
// "<arch>.". Fills everything except the architecture-specific flags.
Result<ModelConfig> ParseTransformerConfig(const gguf::GgufFile& file, std::string_view arch);

// Per-family parsers (llama.cc, qwen2.cc, qwen3.cc).
Result<ModelConfig> LlamaConfigFromGguf(const gguf::GgufFile& file);
Result<ModelConfig> Qwen2ConfigFromGguf(const gguf::GgufFile& file);
Result<ModelConfig> Qwen3ConfigFromGguf(const gguf::GgufFile& file);

}  // namespace citadel::model
