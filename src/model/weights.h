// Weight binding: finds every tensor a ModelConfig needs by its GGUF name,
// checks its type and shape, and keeps borrowed views into the file's memory
// map — except the matrices whose type has a panel layout on a machine whose
// kernels prefer it (kernels::PanelsPreferred): those are repacked once at
// load into memory the ModelWeights owns. A tied output matrix stays in the
// file's layout (the embedding lookup reads its rows).
//
//   token_embd.weight        [vocab, embd]         any dequantizable type
//   output_norm.weight       [embd]                F32
//   output.weight            [vocab, embd]         absent: token_embd is reused
//   rope_freqs.weight        [rope_dims / 2]       F32, optional (llama3)
//   blk.N.attn_norm.weight   [embd]                F32
//   blk.N.attn_{q,k,v}.weight [q_dim|kv_dim, embd]
//   blk.N.attn_{q,k,v}.bias  [q_dim|kv_dim]        F32 (qwen2)
//   blk.N.attn_{q,k}_norm.weight [head_dim]        F32 (qwen3)
//   blk.N.attn_output.weight [embd, q_dim]
//   blk.N.ffn_norm.weight    [embd]                F32
//   blk.N.ffn_{gate,up}.weight [ff, embd]; blk.N.ffn_down.weight [embd, ff]
//
// (Shapes listed as [rows, row_length]; GGUF stores dims reversed.)
//
// Immutable after binding; thread-safe for concurrent reads. Views borrow the
// GgufFile, which must outlive the ModelWeights.
#pragma once

#include <span>
#include <vector>

#include "gguf/gguf_file.h"
#include "kernels/matmul.h"
#include "kernels/weight_panels.h"
#include "model/model_config.h"
#include "util/status.h"

namespace citadel::model {

struct LayerWeights {
  std::span<const float> attn_norm;  // [embd]
  kernels::WeightView attn_q;        // [q_dim, embd]
  kernels::WeightView attn_k;        // [kv_dim, embd]
  kernels::WeightView attn_v;        // [kv_dim, embd]
  std::span<const float> q_bias;     // [q_dim] or empty
  std::span<const float> k_bias;     // [kv_dim] or empty
  std::span<const float> v_bias;     // [kv_dim] or empty
  std::span<const float> q_norm;     // [head_dim] or empty
  std::span<const float> k_norm;     // [head_dim] or empty
  kernels::WeightView attn_output;   // [embd, q_dim]
  std::span<const float> ffn_norm;   // [embd]
  kernels::WeightView ffn_gate;      // [ff, embd]
  kernels::WeightView ffn_up;        // [ff, embd]
  kernels::WeightView ffn_down;      // [embd, ff]
};

struct ModelWeights {
  ModelWeights() = default;
  ModelWeights(ModelWeights&&) noexcept = default;
  ModelWeights& operator=(ModelWeights&&) noexcept = default;

  kernels::WeightView token_embd;      // [vocab, embd]; rows are dequantized per token
  std::span<const float> output_norm;  // [embd]
  kernels::WeightView output;          // [vocab, embd] (token_embd when tied)
  std::span<const float> rope_freqs;   // [rope_dims / 2] or empty
  std::vector<LayerWeights> layers;
  // Matrices repacked into panels (kernels/weight_panels.h) where this
  // machine's kernels run faster on them; the views above point into these.
  std::vector<kernels::PackedWeight> packed;
};

// Binds all tensors `config` needs. InvalidArgument naming the tensor when
// one is missing, has the wrong shape, or a type the kernels cannot use.
// `pool`, when given, splits the repacking of matrices over its threads.
Result<ModelWeights> BindWeights(const gguf::GgufFile& file, const ModelConfig& config,
                                 ThreadPool* pool = nullptr);

}  // namespace citadel::model
