// File-type mixes: which tensor type each weight of a model gets when the
// whole file is quantized to a target such as Q4_K_M — the same choice the
// reference quantizer (llama-quantize, no importance matrix, dense models)
// makes, so files Citadel writes match the reference's tensor for tensor.
//
// The rule, for a tensor the mix applies to (IsQuantizableTensor):
//   1. Start from the file type's default type (Q4_K for Q4_K_M/Q4_K_S, ...).
//      F32 and F16 files use that type for every such tensor and stop here.
//   2. output.weight — and token_embd.weight when the model has no separate
//      output matrix (tied embeddings) — gets Q6_K, or Q8_0 when its row
//      length is not a multiple of the default type's block size (a Q8_0
//      file keeps Q8_0).
//   3. The "K_M"/"K_S" mixes give more bits to layers that matter most:
//      attn_v (also attn_qkv, attn_kv_b) and ffn_down, chosen by layer index
//      with UseMoreBits (first and last eighth of the layers, and every third
//      layer in between); attn_output for Q2_K and Q3_K_M. See the table in
//      quant_mix.cc.
//   4. Fallback when the row length is not a multiple of the chosen type's
//      block size: Q2_K, Q3_K -> Q4_0; Q4_K -> Q5_0; Q5_K -> Q5_1;
//      Q6_K -> Q8_0; and F16 when even 32 does not divide the row.
// Not modelled (the reference does these for cases Citadel does not write):
// importance matrices, mixture-of-experts and Falcon special cases, and the
// 70B-only attn_v bump.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "gguf/tensor_type.h"

namespace citadel::model {

// Target file types; each value is the `general.file_type` number the
// reference writes for it (llama_ftype).
enum class FileType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ8_0 = 7,
  kQ5_0 = 8,
  kQ5_1 = 9,
  kQ2_K = 10,
  kQ3_K_M = 12,
  kQ4_K_S = 14,
  kQ4_K_M = 15,
  kQ5_K_M = 17,
  kQ6_K = 18,
};

// The name users type and the reference prints: "Q4_K_M", "F16", "Q8_0".
std::string_view FileTypeName(FileType type);

// Parses a name as FileTypeName spells it, case-insensitively ("q4_k_m");
// nullopt for names of file types Citadel does not write.
std::optional<FileType> ParseFileType(std::string_view name);

// The file type with `general.file_type` number `value`, if Citadel writes it.
std::optional<FileType> FileTypeFromNumber(std::uint32_t value);

// The type most tensors of such a file get (step 1 above).
TensorType DefaultTensorType(FileType type);

// Whether the mix applies to a tensor at all, as the reference decides: at
// least 2 dimensions, a name ending in "weight", and not a norm
// ("_norm.weight"), MoE router ("ffn_gate_inp.weight"), positional or
// token-type embedding, or one of the small special tensors the reference
// keeps as they are. Other tensors keep their type (1-D norms stay F32).
bool IsQuantizableTensor(std::string_view tensor_name, int n_dims);

// The layer index in a "blk.N.…" name; -1 for tensors outside the layers.
int LayerIndexOf(std::string_view tensor_name);

// The reference's layer choice for extra bits among `n_layers` layers.
bool UseMoreBits(int layer_idx, int n_layers);

// Facts about the model that some mixes depend on.
struct MixContext {
  // The model has token_embd.weight but no output.weight (they share one
  // matrix); token_embd then gets the output treatment.
  bool tied_embeddings = false;
  // Query heads per KV head (head_count / head_count_kv); Q2_K gives attn_v
  // Q4_K instead of Q3_K from 4 up.
  int gqa_ratio = 1;
};

// The type a quantizable tensor gets in a `target` file. `layer_idx` is the
// tensor's layer (LayerIndexOf; ignored for tensors outside the layers),
// `n_layers` the model's block count, `row_length` its first dimension.
TensorType ChooseTensorType(FileType target, std::string_view tensor_name, int layer_idx,
                            int n_layers, std::int64_t row_length, const MixContext& context = {});

}  // namespace citadel::model
