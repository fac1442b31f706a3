// What a GGUF file says about the model inside it: architecture and
// hyper-parameters, parameter count, tensor type mix, tokenizer, and the
// memory it needs (weights plus f16 KV cache per 1,000 tokens of context).
// Used by `citadel inspect` and anything that lists models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/tensor_type.h"

namespace citadel::gguf {

// Tensors of one type in a file.
struct TensorTypeUsage {
  TensorType type;
  std::int64_t count = 0;     // tensors
  std::int64_t elements = 0;  // parameters
  std::uint64_t bytes = 0;
};

// Plain values; absent hyper-parameters are nullopt (a vocab-only file has
// no layers). Thread-compatible.
struct ModelSummary {
  std::string architecture;  // general.architecture ("" when absent)
  std::string name;          // general.name ("" when absent)
  std::uint32_t gguf_version = 0;
  std::uint64_t file_size_bytes = 0;
  std::int64_t parameter_count = 0;           // sum of tensor elements
  std::optional<std::uint32_t> file_type;     // general.file_type (llama ftype id)
  std::string file_type_name;                 // "Q4_K_M", "F16", ...; "" when absent
  std::vector<TensorTypeUsage> tensor_types;  // by bytes, largest first

  std::optional<std::uint64_t> context_length;    // ARCH.context_length
  std::optional<std::uint64_t> embedding_length;  // ARCH.embedding_length
  std::optional<std::uint64_t> block_count;       // ARCH.block_count (layers)
  std::optional<std::uint64_t> head_count;        // ARCH.attention.head_count (max over layers)
  std::optional<std::uint64_t> head_count_kv;     // ARCH.attention.head_count_kv, else head_count
  std::optional<std::uint64_t> key_length;        // per head; else embedding / heads
  std::optional<std::uint64_t> value_length;      // per head; else key_length
  std::optional<std::uint64_t> vocab_size;  // tokenizer.ggml.tokens size, else ARCH.vocab_size

  std::string tokenizer_model;  // tokenizer.ggml.model ("" when absent)
  std::string tokenizer_pre;    // tokenizer.ggml.pre ("" when absent)
  bool has_chat_template = false;

  std::uint64_t weight_bytes = 0;  // sum of tensor data sizes
  // Bytes of an f16 KV cache for 1,000 tokens of context:
  // Σ_layers kv_heads × (key_length + value_length) × 2 bytes × 1,000
  // (= 2 × layers × kv_heads × head_dim × 2 × 1,000 when K and V heads match).
  // nullopt when layers, heads or head size are unknown.
  std::optional<std::uint64_t> kv_cache_bytes_per_1k_tokens;
};

// Summarises a parsed file. Never fails: values stored with an unexpected
// type are reported as absent.
ModelSummary SummarizeModel(const GgufFile& file);

// The reference engine's name for a general.file_type id ("Q4_K_M"), or
// "unknown (ID)".
std::string FileTypeName(std::uint32_t file_type);

}  // namespace citadel::gguf
