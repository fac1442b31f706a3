#include "model/model_config.h"

#include <string>

#include "model/metadata_check.h"

namespace citadel::model {
namespace {

std::string Key(std::string_view arch, std::string_view suffix) {
  std::string key(arch);
  key += '.';
  key += suffix;
  return key;
}

// Reads an optional u32 into `out`; a present key of the wrong type fails.
Status OptionalU32(const gguf::GgufFile& file, const std::string& key, int& out) {
  if (!file.Has(key)) return OkStatus();
  CITADEL_ASSIGN_OR_RETURN(std::uint32_t value, file.GetU32(key));
  out = static_cast<int>(value);
  return OkStatus();
}

Status OptionalF32(const gguf::GgufFile& file, const std::string& key, float& out) {
  if (!file.Has(key)) return OkStatus();
  CITADEL_ASSIGN_OR_RETURN(out, file.GetF32(key));
  return OkStatus();
}

Status ReadRopeScaling(const gguf::GgufFile& file, std::string_view arch, ModelConfig& config) {
  std::string type = "linear";
  if (const std::string key = Key(arch, "rope.scaling.type"); file.Has(key)) {
    CITADEL_ASSIGN_OR_RETURN(std::string_view value, file.GetString(key));
    type = std::string(value);
  }
  if (type != "none" && type != "linear") {
    return InvalidArgumentError(file.name() + ": RoPE scaling type '" + type +
                                "' is not supported (supported: none, linear)");
  }
  float factor = 0.0f;
  CITADEL_TRY(OptionalF32(file, Key(arch, "rope.scaling.factor"), factor));
  if (factor == 0.0f) CITADEL_TRY(OptionalF32(file, Key(arch, "rope.scale_linear"), factor));
  config.rope_freq_scale = (type == "none" || factor == 0.0f) ? 1.0f : 1.0f / factor;
  return OkStatus();
}

Status Validate(const gguf::GgufFile& file, const ModelConfig& c) {
  auto fail = [&](const std::string& what) {
    return InvalidArgumentError(file.name() + ": " + c.architecture_name + " " + what);
  };
  if (c.embedding_length <= 0 || c.num_layers <= 0 || c.num_heads <= 0 || c.num_kv_heads <= 0 ||
      c.feed_forward_length <= 0 || c.head_dim <= 0) {
    return fail("has a zero size (embedding, layers, heads, kv heads, feed-forward or head dim)");
  }
  if (c.num_heads % c.num_kv_heads != 0) {
    return fail("head_count " + std::to_string(c.num_heads) +
                " is not a multiple of head_count_kv " + std::to_string(c.num_kv_heads));
  }
  if (c.rope_dims <= 0 || c.rope_dims % 2 != 0 || c.rope_dims > c.head_dim) {
    return fail("rope.dimension_count " + std::to_string(c.rope_dims) +
                " must be even and at most the head dim " + std::to_string(c.head_dim));
  }
  if (!(c.rms_norm_eps >= 0.0f) || !(c.rope_freq_base > 0.0f)) {
    return fail("has a negative RMS epsilon or a non-positive RoPE base");
  }
  return OkStatus();
}

}  // namespace

Result<ModelConfig> ParseTransformerConfig(const gguf::GgufFile& file, std::string_view arch) {
  ModelConfig c;
  c.architecture_name = std::string(arch);
  if (file.Has("general.name")) {
    CITADEL_ASSIGN_OR_RETURN(std::string_view name, file.GetString("general.name"));
    c.name = std::string(name);
  }
  CITADEL_ASSIGN_OR_RETURN(std::uint32_t embd, file.GetU32(Key(arch, "embedding_length")));
  CITADEL_ASSIGN_OR_RETURN(std::uint32_t layers, file.GetU32(Key(arch, "block_count")));
  CITADEL_ASSIGN_OR_RETURN(std::uint32_t heads, file.GetU32(Key(arch, "attention.head_count")));
  CITADEL_ASSIGN_OR_RETURN(std::uint32_t ff, file.GetU32(Key(arch, "feed_forward_length")));
  c.embedding_length = static_cast<int>(embd);
  c.num_layers = static_cast<int>(layers);
  c.num_heads = static_cast<int>(heads);
  c.feed_forward_length = static_cast<int>(ff);
  c.num_kv_heads = c.num_heads;
  CITADEL_TRY(OptionalU32(file, Key(arch, "attention.head_count_kv"), c.num_kv_heads));
  c.head_dim = c.num_heads > 0 ? c.embedding_length / c.num_heads : 0;
  CITADEL_TRY(OptionalU32(file, Key(arch, "attention.key_length"), c.head_dim));
  int value_length = c.head_dim;
  CITADEL_TRY(OptionalU32(file, Key(arch, "attention.value_length"), value_length));
  if (value_length != c.head_dim) {
    return InvalidArgumentError(file.name() + ": attention.key_length " +
                                std::to_string(c.head_dim) + " != value_length " +
                                std::to_string(value_length) + " is not supported");
  }
  c.context_length = 4096;
  CITADEL_TRY(OptionalU32(file, Key(arch, "context_length"), c.context_length));
  CITADEL_ASSIGN_OR_RETURN(c.rms_norm_eps,
                           file.GetF32(Key(arch, "attention.layer_norm_rms_epsilon")));
  c.rope_dims = c.head_dim;
  CITADEL_TRY(OptionalU32(file, Key(arch, "rope.dimension_count"), c.rope_dims));
  CITADEL_TRY(OptionalF32(file, Key(arch, "rope.freq_base"), c.rope_freq_base));
  CITADEL_TRY(ReadRopeScaling(file, arch, c));

  const gguf::TensorInfo* embd_tensor = file.FindTensor("token_embd.weight");
  if (embd_tensor == nullptr || embd_tensor->dims.size() != 2) {
    return InvalidArgumentError(file.name() + ": token_embd.weight is missing or not 2-D");
  }
  c.vocab_size = static_cast<int>(embd_tensor->dims[1]);
  c.tied_embeddings = file.FindTensor("output.weight") == nullptr;
  c.rope_freq_factors = file.FindTensor("rope_freqs.weight") != nullptr;
  CITADEL_TRY(Validate(file, c));
  CITADEL_TRY(CheckMetadataAgainstTensors(file, c));
  return c;
}

Result<ModelConfig> ModelConfigFromGguf(const gguf::GgufFile& file) {
  CITADEL_ASSIGN_OR_RETURN(std::string_view arch, file.GetString("general.architecture"));
  if (arch == "llama") return LlamaConfigFromGguf(file);
  if (arch == "qwen2") return Qwen2ConfigFromGguf(file);
  if (arch == "qwen3") return Qwen3ConfigFromGguf(file);
  return InvalidArgumentError(file.name() + ": unsupported model architecture '" +
                              std::string(arch) + "' (supported: llama, qwen2, qwen3)");
}

}  // namespace citadel::model
