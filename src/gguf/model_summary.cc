#include "gguf/model_summary.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>

namespace citadel::gguf {
namespace {

constexpr std::uint64_t kKvTokens = 1000;
constexpr std::uint64_t kF16Bytes = 2;

std::optional<std::uint64_t> OptionalU64(const GgufFile& file, const std::string& key) {
  const Value* value = file.Find(key);
  if (value == nullptr) return std::nullopt;
  Result<std::uint64_t> v = value->AsU64();
  if (!v.ok()) return std::nullopt;
  return *v;
}

std::string OptionalString(const GgufFile& file, std::string_view key) {
  const Value* value = file.Find(key);
  return value != nullptr && value->is_string() ? std::string(value->AsString()) : std::string();
}

// A per-model count that may be one integer or one integer per layer (some
// architectures vary heads by layer).
struct LayerCounts {
  bool uniform = true;                // one value for every layer
  std::vector<std::uint64_t> values;  // one value, or one per layer; empty when absent
};

LayerCounts CountsOf(const GgufFile& file, const std::string& key) {
  LayerCounts out;
  const Value* value = file.Find(key);
  if (value == nullptr) return out;
  if (!value->is_array()) {
    if (Result<std::uint64_t> v = value->AsU64(); v.ok()) out.values.push_back(*v);
    return out;
  }
  if (ValueTypeSize(value->array_type()) == 0) return out;
  out.uniform = false;
  out.values.reserve(value->size());  // the elements are in the file: bounded by its size
  for (std::uint64_t i = 0; i < value->size(); ++i) {
    Result<std::uint64_t> v = value->At(i).AsU64();
    if (!v.ok()) return LayerCounts{};
    out.values.push_back(*v);
  }
  return out;
}

std::optional<std::uint64_t> MaxOf(const LayerCounts& c) {
  if (c.values.empty()) return std::nullopt;
  return *std::max_element(c.values.begin(), c.values.end());
}

void SummarizeTensors(const GgufFile& file, ModelSummary& s) {
  std::map<std::uint32_t, TensorTypeUsage> usage;
  for (const TensorInfo& t : file.tensors()) {
    TensorTypeUsage& u = usage[static_cast<std::uint32_t>(t.type)];
    u.type = t.type;
    u.count += 1;
    u.elements += t.elements;
    u.bytes += t.data.size();
    s.parameter_count += t.elements;
    s.weight_bytes += t.data.size();
  }
  for (auto& [id, u] : usage) s.tensor_types.push_back(u);
  std::stable_sort(
      s.tensor_types.begin(), s.tensor_types.end(),
      [](const TensorTypeUsage& a, const TensorTypeUsage& b) { return a.bytes > b.bytes; });
}

void SummarizeAttention(const GgufFile& file, ModelSummary& s) {
  const std::string& arch = s.architecture;
  LayerCounts heads = CountsOf(file, arch + ".attention.head_count");
  LayerCounts kv_heads = CountsOf(file, arch + ".attention.head_count_kv");
  if (kv_heads.values.empty()) kv_heads = heads;
  s.head_count = MaxOf(heads);
  s.head_count_kv = MaxOf(kv_heads);
  s.key_length = OptionalU64(file, arch + ".attention.key_length");
  if (!s.key_length && s.embedding_length && s.head_count && *s.head_count > 0) {
    s.key_length = *s.embedding_length / *s.head_count;
  }
  s.value_length = OptionalU64(file, arch + ".attention.value_length");
  if (!s.value_length) s.value_length = s.key_length;
  if (kv_heads.values.empty() || !s.block_count || !s.key_length || !s.value_length) return;
  // Inputs are untrusted u64s: sum in 128 bits and report nothing on overflow.
  using U128 = unsigned __int128;
  U128 per_head = static_cast<U128>(*s.key_length) + *s.value_length;
  U128 total = 0;
  if (kv_heads.uniform) {
    total = static_cast<U128>(*s.block_count) * kv_heads.values[0];
  } else {
    for (std::uint64_t h : kv_heads.values) total += h;
  }
  if (total > std::numeric_limits<std::uint64_t>::max() ||
      per_head > std::numeric_limits<std::uint64_t>::max()) {
    return;
  }
  total = total * per_head;  // < 2^128
  if (total > std::numeric_limits<std::uint64_t>::max() / (kF16Bytes * kKvTokens)) return;
  s.kv_cache_bytes_per_1k_tokens = static_cast<std::uint64_t>(total) * kF16Bytes * kKvTokens;
}

}  // namespace

std::string FileTypeName(std::uint32_t file_type) {
  static constexpr std::string_view kNames[] = {
      "ALL_F32", "F16",    "Q4_0",  "Q4_1",    "",       "",       "",         "Q8_0",
      "Q5_0",    "Q5_1",   "Q2_K",  "Q3_K_S",  "Q3_K_M", "Q3_K_L", "Q4_K_S",   "Q4_K_M",
      "Q5_K_S",  "Q5_K_M", "Q6_K",  "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS",   "IQ3_XXS",
      "IQ1_S",   "IQ4_NL", "IQ3_S", "IQ3_M",   "IQ2_S",  "IQ2_M",  "IQ4_XS",   "IQ1_M",
      "BF16",    "",       "",      "",        "TQ1_0",  "TQ2_0",  "MXFP4_MOE"};
  if (file_type < std::size(kNames) && !kNames[file_type].empty()) {
    return std::string(kNames[file_type]);
  }
  return "unknown (" + std::to_string(file_type) + ")";
}

ModelSummary SummarizeModel(const GgufFile& file) {
  ModelSummary s;
  s.architecture = OptionalString(file, "general.architecture");
  s.name = OptionalString(file, "general.name");
  s.gguf_version = file.version();
  s.file_size_bytes = file.bytes().size();
  if (std::optional<std::uint64_t> ft = OptionalU64(file, "general.file_type");
      ft && *ft <= std::numeric_limits<std::uint32_t>::max()) {
    s.file_type = static_cast<std::uint32_t>(*ft);
    s.file_type_name = FileTypeName(*s.file_type);
  }
  SummarizeTensors(file, s);

  const std::string& arch = s.architecture;
  s.context_length = OptionalU64(file, arch + ".context_length");
  s.embedding_length = OptionalU64(file, arch + ".embedding_length");
  s.block_count = OptionalU64(file, arch + ".block_count");
  SummarizeAttention(file, s);

  if (const Value* tokens = file.Find("tokenizer.ggml.tokens"); tokens && tokens->is_array()) {
    s.vocab_size = tokens->size();
  } else {
    s.vocab_size = OptionalU64(file, arch + ".vocab_size");
  }
  s.tokenizer_model = OptionalString(file, "tokenizer.ggml.model");
  s.tokenizer_pre = OptionalString(file, "tokenizer.ggml.pre");
  s.has_chat_template = file.Has("tokenizer.chat_template");
  return s;
}

}  // namespace citadel::gguf
