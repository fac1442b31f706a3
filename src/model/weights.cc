#include "model/weights.h"

#include <string>

#include "kernels/dequantize.h"

namespace citadel::model {
namespace {

std::string ShapeString(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// Looks up `name`; checks dims (ggml order: dims[0] is the row length).
Result<const gguf::TensorInfo*> FindShaped(const gguf::GgufFile& file, const std::string& name,
                                           const std::vector<std::int64_t>& dims) {
  const gguf::TensorInfo* info = file.FindTensor(name);
  if (info == nullptr)
    return InvalidArgumentError(file.name() + ": tensor " + name + " is missing");
  if (info->dims != dims) {
    return InvalidArgumentError(file.name() + ": tensor " + name + " has shape " +
                                ShapeString(info->dims) + ", expected " + ShapeString(dims));
  }
  return info;
}

Result<kernels::WeightView> BindMatrix(const gguf::GgufFile& file, const std::string& name,
                                       std::int64_t rows, std::int64_t cols) {
  CITADEL_ASSIGN_OR_RETURN(const gguf::TensorInfo* info, FindShaped(file, name, {cols, rows}));
  kernels::WeightView view{info->type, info->data.data(), rows, cols};
  if (Status status = kernels::ValidateWeight(view); !status.ok()) {
    return status.WithContext(file.name() + ": tensor " + name);
  }
  return view;
}

Result<std::span<const float>> BindVector(const gguf::GgufFile& file, const std::string& name,
                                          std::int64_t length) {
  CITADEL_ASSIGN_OR_RETURN(const gguf::TensorInfo* info, FindShaped(file, name, {length}));
  if (info->type != TensorType::kF32) {
    return InvalidArgumentError(file.name() + ": tensor " + name + " has type " +
                                std::string(TensorTypeName(info->type)) + ", expected f32");
  }
  // GGUF aligns tensor data to at least 32 bytes, so the floats are aligned.
  return std::span<const float>(reinterpret_cast<const float*>(info->data.data()),
                                static_cast<std::size_t>(length));
}

Result<LayerWeights> BindLayer(const gguf::GgufFile& file, const ModelConfig& c, int layer_idx) {
  const std::string p = "blk." + std::to_string(layer_idx) + ".";
  const std::int64_t embd = c.embedding_length;
  LayerWeights l;
  CITADEL_ASSIGN_OR_RETURN(l.attn_norm, BindVector(file, p + "attn_norm.weight", embd));
  CITADEL_ASSIGN_OR_RETURN(l.attn_q, BindMatrix(file, p + "attn_q.weight", c.q_dim(), embd));
  CITADEL_ASSIGN_OR_RETURN(l.attn_k, BindMatrix(file, p + "attn_k.weight", c.kv_dim(), embd));
  CITADEL_ASSIGN_OR_RETURN(l.attn_v, BindMatrix(file, p + "attn_v.weight", c.kv_dim(), embd));
  if (c.qkv_bias) {
    CITADEL_ASSIGN_OR_RETURN(l.q_bias, BindVector(file, p + "attn_q.bias", c.q_dim()));
    CITADEL_ASSIGN_OR_RETURN(l.k_bias, BindVector(file, p + "attn_k.bias", c.kv_dim()));
    CITADEL_ASSIGN_OR_RETURN(l.v_bias, BindVector(file, p + "attn_v.bias", c.kv_dim()));
  }
  if (c.qk_norm) {
    CITADEL_ASSIGN_OR_RETURN(l.q_norm, BindVector(file, p + "attn_q_norm.weight", c.head_dim));
    CITADEL_ASSIGN_OR_RETURN(l.k_norm, BindVector(file, p + "attn_k_norm.weight", c.head_dim));
  }
  CITADEL_ASSIGN_OR_RETURN(l.attn_output,
                           BindMatrix(file, p + "attn_output.weight", embd, c.q_dim()));
  CITADEL_ASSIGN_OR_RETURN(l.ffn_norm, BindVector(file, p + "ffn_norm.weight", embd));
  const std::int64_t ff = c.feed_forward_length;
  CITADEL_ASSIGN_OR_RETURN(l.ffn_gate, BindMatrix(file, p + "ffn_gate.weight", ff, embd));
  CITADEL_ASSIGN_OR_RETURN(l.ffn_up, BindMatrix(file, p + "ffn_up.weight", ff, embd));
  CITADEL_ASSIGN_OR_RETURN(l.ffn_down, BindMatrix(file, p + "ffn_down.weight", embd, ff));
  return l;
}

// Repacks `view` into panels when this machine's kernels prefer them; the
// file's pages of the original then leave memory.
Status PackIfPreferred(const gguf::GgufFile& file, ThreadPool* pool, kernels::WeightView& view,
                       std::vector<kernels::PackedWeight>& packed) {
  if (!kernels::PanelsPreferred(view.type)) return OkStatus();
  CITADEL_ASSIGN_OR_RETURN(kernels::PackedWeight p, kernels::PackedWeight::Pack(view, pool));
  file.DropPages({view.data, static_cast<std::size_t>(RowBytes(view.type, view.cols) * view.rows)});
  view = p.view();
  packed.push_back(std::move(p));
  return OkStatus();
}

Status PackMatrices(const gguf::GgufFile& file, ThreadPool* pool, ModelWeights& w,
                    bool tied_embeddings) {
  if (!tied_embeddings) CITADEL_TRY(PackIfPreferred(file, pool, w.output, w.packed));
  for (LayerWeights& l : w.layers) {
    for (kernels::WeightView* view :
         {&l.attn_q, &l.attn_k, &l.attn_v, &l.attn_output, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
      CITADEL_TRY(PackIfPreferred(file, pool, *view, w.packed));
    }
  }
  return OkStatus();
}

}  // namespace

Result<ModelWeights> BindWeights(const gguf::GgufFile& file, const ModelConfig& c,
                                 ThreadPool* pool) {
  ModelWeights w;
  CITADEL_ASSIGN_OR_RETURN(w.token_embd,
                           BindMatrix(file, "token_embd.weight", c.vocab_size, c.embedding_length));
  // Embedding rows are dequantized per token: check the type decodes.
  std::vector<float> probe(static_cast<std::size_t>(c.embedding_length));
  if (Status status = kernels::DequantizeRow(w.token_embd.type, w.token_embd.data, probe.data(),
                                             c.embedding_length);
      !status.ok()) {
    return status.WithContext(file.name() + ": token_embd.weight");
  }
  CITADEL_ASSIGN_OR_RETURN(w.output_norm,
                           BindVector(file, "output_norm.weight", c.embedding_length));
  if (c.tied_embeddings) {
    w.output = w.token_embd;
  } else {
    CITADEL_ASSIGN_OR_RETURN(w.output,
                             BindMatrix(file, "output.weight", c.vocab_size, c.embedding_length));
  }
  if (c.rope_freq_factors) {
    CITADEL_ASSIGN_OR_RETURN(w.rope_freqs, BindVector(file, "rope_freqs.weight", c.rope_dims / 2));
  }
  w.layers.reserve(static_cast<std::size_t>(c.num_layers));
  for (int layer_idx = 0; layer_idx < c.num_layers; ++layer_idx) {
    CITADEL_ASSIGN_OR_RETURN(LayerWeights layer, BindLayer(file, c, layer_idx));
    w.layers.push_back(layer);
  }
  CITADEL_TRY(PackMatrices(file, pool, w, c.tied_embeddings));
  return w;
}

}  // namespace citadel::model
