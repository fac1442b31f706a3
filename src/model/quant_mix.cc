#include "model/quant_mix.h"

#include <array>
#include <cctype>
#include <charconv>

namespace citadel::model {
namespace {

struct FileTypeEntry {
  FileType type;
  std::string_view name;
  TensorType default_type;
};

constexpr std::array<FileTypeEntry, 13> kFileTypes = {{
    {FileType::kF32, "F32", TensorType::kF32},
    {FileType::kF16, "F16", TensorType::kF16},
    {FileType::kQ4_0, "Q4_0", TensorType::kQ4_0},
    {FileType::kQ4_1, "Q4_1", TensorType::kQ4_1},
    {FileType::kQ8_0, "Q8_0", TensorType::kQ8_0},
    {FileType::kQ5_0, "Q5_0", TensorType::kQ5_0},
    {FileType::kQ5_1, "Q5_1", TensorType::kQ5_1},
    {FileType::kQ2_K, "Q2_K", TensorType::kQ2_K},
    {FileType::kQ3_K_M, "Q3_K_M", TensorType::kQ3_K},
    {FileType::kQ4_K_S, "Q4_K_S", TensorType::kQ4_K},
    {FileType::kQ4_K_M, "Q4_K_M", TensorType::kQ4_K},
    {FileType::kQ5_K_M, "Q5_K_M", TensorType::kQ5_K},
    {FileType::kQ6_K, "Q6_K", TensorType::kQ6_K},
}};

const FileTypeEntry& Entry(FileType type) {
  for (const FileTypeEntry& entry : kFileTypes) {
    if (entry.type == type) return entry;
  }
  return kFileTypes[0];  // unreachable for valid enum values
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Broad roles, as the reference groups tensors for the mix.
enum class Role { kOutput, kTokenEmbd, kAttnV, kAttnOutput, kFfnDown, kOther };

Role RoleOf(std::string_view name) {
  if (name == "output.weight") return Role::kOutput;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::kTokenEmbd;
  // attn_qkv and attn_kv_b hold the V projection too and count as attn_v.
  if (Contains(name, "attn_qkv.weight") || Contains(name, "attn_kv_b.weight") ||
      Contains(name, "attn_v.weight")) {
    return Role::kAttnV;
  }
  if (Contains(name, "attn_output.weight")) return Role::kAttnOutput;
  if (Contains(name, "ffn_down")) return Role::kFfnDown;
  return Role::kOther;
}

bool IsQuantizedType(TensorType type) {
  return type != TensorType::kF32 && type != TensorType::kF16;
}

// Step 3 of the header comment: the per-role choice before the fallback.
TensorType MixedType(FileType target, Role role, int layer_idx, int n_layers,
                     const MixContext& context, TensorType type) {
  const bool more_bits = UseMoreBits(layer_idx, n_layers);
  switch (role) {
    case Role::kAttnV:
      if (target == FileType::kQ2_K)
        return context.gqa_ratio >= 4 ? TensorType::kQ4_K : TensorType::kQ3_K;
      if (target == FileType::kQ3_K_M) return layer_idx < 2 ? TensorType::kQ5_K : TensorType::kQ4_K;
      if ((target == FileType::kQ4_K_M || target == FileType::kQ5_K_M) && more_bits)
        return TensorType::kQ6_K;
      if (target == FileType::kQ4_K_S && layer_idx < 4) return TensorType::kQ5_K;
      return type;
    case Role::kFfnDown:
      if (target == FileType::kQ2_K) return TensorType::kQ3_K;
      if (target == FileType::kQ3_K_M)
        return layer_idx < n_layers / 16 ? TensorType::kQ5_K : TensorType::kQ4_K;
      if ((target == FileType::kQ4_K_M || target == FileType::kQ5_K_M) && more_bits)
        return TensorType::kQ6_K;
      if (target == FileType::kQ4_K_S && layer_idx < n_layers / 8) return TensorType::kQ5_K;
      return type;
    case Role::kAttnOutput:
      if (target == FileType::kQ2_K) return TensorType::kQ3_K;
      if (target == FileType::kQ3_K_M) return TensorType::kQ4_K;
      return type;
    default:
      return type;
  }
}

// Step 4: a type whose block divides the row, or F16.
TensorType FallBack(TensorType type, std::int64_t row_length) {
  auto fits = [row_length](TensorType t) { return row_length % Traits(t).block_elements == 0; };
  if (fits(type)) return type;
  TensorType fallback = type;
  switch (type) {
    case TensorType::kQ2_K:
    case TensorType::kQ3_K:
      fallback = TensorType::kQ4_0;
      break;
    case TensorType::kQ4_K:
      fallback = TensorType::kQ5_0;
      break;
    case TensorType::kQ5_K:
      fallback = TensorType::kQ5_1;
      break;
    case TensorType::kQ6_K:
      fallback = TensorType::kQ8_0;
      break;
    default:
      break;  // already a 32-block type
  }
  return fits(fallback) ? fallback : TensorType::kF16;
}

// Substrings of tensors the reference never quantizes: norms, MoE routers,
// and small special-purpose matrices of other architectures.
constexpr std::string_view kNeverQuantized[] = {
    "_norm.weight",
    "ffn_gate_inp.weight",
    "ffn_gate_tid2eid.weight",
    "altup",
    "laurel",
    "per_layer_model_proj",
    "ssm_conv1d",
    "shortconv.conv.weight",
    "attn_rel_b.weight",
    "indexer.k_proj.weight",
    "indexer.q_proj.weight",
    "time_mix_first.weight",
    "time_mix_w0.weight",
    "time_mix_w1.weight",
    "time_mix_w2.weight",
    "time_mix_v0.weight",
    "time_mix_v1.weight",
    "time_mix_v2.weight",
    "time_mix_a0.weight",
    "time_mix_a1.weight",
    "time_mix_a2.weight",
    "time_mix_g1.weight",
    "time_mix_g2.weight",
    "time_mix_decay_w1.weight",
    "time_mix_decay_w2.weight",
    "time_mix_lerp_fused.weight",
    ".position_embd",
    ".rel_pos",
    ".patch_embd",
    ".patch_merger",
};

}  // namespace

std::string_view FileTypeName(FileType type) {
  return Entry(type).name;
}

std::optional<FileType> ParseFileType(std::string_view name) {
  for (const FileTypeEntry& entry : kFileTypes) {
    if (entry.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      same = std::toupper(static_cast<unsigned char>(name[i])) == entry.name[i];
    }
    if (same) return entry.type;
  }
  return std::nullopt;
}

std::optional<FileType> FileTypeFromNumber(std::uint32_t value) {
  for (const FileTypeEntry& entry : kFileTypes) {
    if (static_cast<std::uint32_t>(entry.type) == value) return entry.type;
  }
  return std::nullopt;
}

TensorType DefaultTensorType(FileType type) {
  return Entry(type).default_type;
}

bool IsQuantizableTensor(std::string_view name, int n_dims) {
  if (n_dims < 2) return false;
  constexpr std::string_view kSuffix = "weight";
  if (name.size() < kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix)
    return false;
  if (name == "position_embd.weight" || name == "token_types.weight") return false;
  for (std::string_view kept : kNeverQuantized) {
    if (Contains(name, kept)) return false;
  }
  return true;
}

int LayerIndexOf(std::string_view name) {
  constexpr std::string_view kPrefix = "blk.";
  if (name.substr(0, kPrefix.size()) != kPrefix) return -1;
  std::string_view rest = name.substr(kPrefix.size());
  int layer = -1;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), layer);
  if (error != std::errc() || end == rest.data() + rest.size() || *end != '.' || layer < 0)
    return -1;
  return layer;
}

bool UseMoreBits(int layer_idx, int n_layers) {
  return layer_idx < n_layers / 8 || layer_idx >= 7 * n_layers / 8 ||
         (layer_idx - n_layers / 8) % 3 == 2;
}

TensorType ChooseTensorType(FileType target, std::string_view tensor_name, int layer_idx,
                            int n_layers, std::int64_t row_length, const MixContext& context) {
  TensorType type = DefaultTensorType(target);
  if (!IsQuantizedType(type)) return type;
  Role role = RoleOf(tensor_name);
  if (role == Role::kOutput || (role == Role::kTokenEmbd && context.tied_embeddings)) {
    if (row_length % Traits(type).block_elements != 0) {
      type = TensorType::kQ8_0;
    } else if (type != TensorType::kQ8_0) {
      type = TensorType::kQ6_K;
    }
  } else {
    type = MixedType(target, role, layer_idx, n_layers, context, type);
  }
  return FallBack(type, row_length);
}

}  // namespace citadel::model
