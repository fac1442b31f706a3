#include "model/synthetic_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "kernels/quantize.h"

namespace citadel::model {
namespace {

// splitmix64: a tiny, portable, seeded generator.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float Symmetric() { return static_cast<float>(Next() >> 40) * 0x1.0p-23f - 1.0f; }

 private:
  std::uint64_t state_;
};

struct Writer {
  const SyntheticSpec& spec;
  gguf::GgufWriter& out;
  ThreadPool* pool;
  Random random;
};

TensorType WeightType(const SyntheticSpec& spec, const std::string& name, int layer_idx,
                      std::int64_t cols) {
  MixContext context;
  context.tied_embeddings = spec.tied_embeddings;
  context.gqa_ratio = spec.num_heads / spec.num_kv_heads;
  return ChooseTensorType(spec.file_type, name, layer_idx, spec.num_layers, cols, context);
}

Status AddF32(Writer& w, const std::string& name, std::vector<float> values,
              std::vector<std::int64_t> dims) {
  return w.out.AddTensor(
      name, TensorType::kF32, std::move(dims),
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(values.data()),
                                    values.size() * sizeof(float)));
}

Status AddVector(Writer& w, const std::string& name, std::int64_t length, float center,
                 float spread) {
  std::vector<float> values(static_cast<std::size_t>(length));
  for (float& v : values) v = center + spread * w.random.Symmetric();
  return AddF32(w, name, std::move(values), {length});
}

Status AddMatrix(Writer& w, const std::string& name, std::int64_t rows, std::int64_t cols,
                 int layer_idx) {
  std::vector<float> values(static_cast<std::size_t>(rows * cols));
  const float scale = std::sqrt(3.0f / static_cast<float>(cols));
  for (float& v : values) v = scale * w.random.Symmetric();
  const TensorType type = WeightType(w.spec, name, layer_idx, cols);
  if (type == TensorType::kF32) return AddF32(w, name, std::move(values), {cols, rows});
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rows * RowBytes(type, cols)));
  CITADEL_TRY(kernels::QuantizeTensor(type, values.data(), bytes.data(), rows, cols, w.pool));
  return w.out.AddTensor(name, type, {cols, rows}, bytes);
}

// The llama3 frequency factors (factor 32, low 1, high 4, original context 8192).
std::vector<float> Llama3FreqFactors(int rope_dims, float base) {
  constexpr float kFactor = 32.0f, kLow = 1.0f, kHigh = 4.0f, kOldContext = 8192.0f;
  std::vector<float> factors;
  for (int i = 0; i < rope_dims; i += 2) {
    const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(rope_dims));
    const float wavelen = 2.0f * std::numbers::pi_v<float> / freq;
    if (wavelen < kOldContext / kHigh) {
      factors.push_back(1.0f);
    } else if (wavelen > kOldContext / kLow) {
      factors.push_back(kFactor);
    } else {
      const float smooth = (kOldContext / wavelen - kLow) / (kHigh - kLow);
      factors.push_back(1.0f / ((1.0f - smooth) / kFactor + smooth));
    }
  }
  return factors;
}

void WriteMadeUpTokenizer(gguf::GgufWriter& out, int vocab_size) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<std::int32_t> types = {2, 3, 3};
  const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">");
    types.push_back(6);
  }
  // The word boundary "▁" (U+2581) as a normal piece, as every SentencePiece
  // vocabulary has it: spaces then decode back to spaces, not byte tokens.
  tokens.push_back("\xE2\x96\x81");
  types.push_back(1);
  while (static_cast<int>(tokens.size()) < vocab_size) {
    tokens.push_back("t" + std::to_string(tokens.size()));
    types.push_back(1);
  }
  tokens.resize(static_cast<std::size_t>(vocab_size));
  types.resize(static_cast<std::size_t>(vocab_size));
  out.SetString("tokenizer.ggml.model", "llama");
  out.SetStringArray("tokenizer.ggml.tokens", tokens);
  out.SetF32Array("tokenizer.ggml.scores", std::vector<float>(tokens.size(), 0.0f));
  out.SetI32Array("tokenizer.ggml.token_type", types);
  out.SetU32("tokenizer.ggml.bos_token_id", 1);
  out.SetU32("tokenizer.ggml.eos_token_id", 2);
  out.SetU32("tokenizer.ggml.unknown_token_id", 0);
}

void WriteHyperParameters(const SyntheticSpec& s, gguf::GgufWriter& out) {
  const std::string a = s.architecture + ".";
  out.SetString("general.architecture", s.architecture);
  out.SetString("general.name", s.name);
  out.SetU32("general.file_type", static_cast<std::uint32_t>(s.file_type));
  out.SetU32(a + "context_length", static_cast<std::uint32_t>(s.context_length));
  out.SetU32(a + "embedding_length", static_cast<std::uint32_t>(s.embedding_length));
  out.SetU32(a + "block_count", static_cast<std::uint32_t>(s.num_layers));
  out.SetU32(a + "feed_forward_length", static_cast<std::uint32_t>(s.feed_forward_length));
  out.SetU32(a + "attention.head_count", static_cast<std::uint32_t>(s.num_heads));
  out.SetU32(a + "attention.head_count_kv", static_cast<std::uint32_t>(s.num_kv_heads));
  const int head_dim = s.head_dim > 0 ? s.head_dim : s.embedding_length / s.num_heads;
  if (head_dim * s.num_heads != s.embedding_length) {
    out.SetU32(a + "attention.key_length", static_cast<std::uint32_t>(head_dim));
    out.SetU32(a + "attention.value_length", static_cast<std::uint32_t>(head_dim));
  }
  out.SetU32(a + "rope.dimension_count", static_cast<std::uint32_t>(head_dim));
  out.SetF32(a + "rope.freq_base", s.rope_freq_base);
  out.SetF32(a + "attention.layer_norm_rms_epsilon", s.rms_norm_eps);
}

Status WriteLayer(Writer& w, int layer_idx, int head_dim) {
  const SyntheticSpec& s = w.spec;
  const std::string p = "blk." + std::to_string(layer_idx) + ".";
  const std::int64_t embd = s.embedding_length, q_dim = s.num_heads * head_dim,
                     kv_dim = s.num_kv_heads * head_dim, ff = s.feed_forward_length;
  CITADEL_TRY(AddVector(w, p + "attn_norm.weight", embd, 1.0f, 0.1f));
  CITADEL_TRY(AddMatrix(w, p + "attn_q.weight", q_dim, embd, layer_idx));
  CITADEL_TRY(AddMatrix(w, p + "attn_k.weight", kv_dim, embd, layer_idx));
  CITADEL_TRY(AddMatrix(w, p + "attn_v.weight", kv_dim, embd, layer_idx));
  if (s.architecture == "qwen2") {
    CITADEL_TRY(AddVector(w, p + "attn_q.bias", q_dim, 0.0f, 0.1f));
    CITADEL_TRY(AddVector(w, p + "attn_k.bias", kv_dim, 0.0f, 0.1f));
    CITADEL_TRY(AddVector(w, p + "attn_v.bias", kv_dim, 0.0f, 0.1f));
  }
  if (s.architecture == "qwen3") {
    CITADEL_TRY(AddVector(w, p + "attn_q_norm.weight", head_dim, 1.0f, 0.1f));
    CITADEL_TRY(AddVector(w, p + "attn_k_norm.weight", head_dim, 1.0f, 0.1f));
  }
  CITADEL_TRY(AddMatrix(w, p + "attn_output.weight", embd, q_dim, layer_idx));
  CITADEL_TRY(AddVector(w, p + "ffn_norm.weight", embd, 1.0f, 0.1f));
  CITADEL_TRY(AddMatrix(w, p + "ffn_gate.weight", ff, embd, layer_idx));
  CITADEL_TRY(AddMatrix(w, p + "ffn_up.weight", ff, embd, layer_idx));
  return AddMatrix(w, p + "ffn_down.weight", embd, ff, layer_idx);
}

}  // namespace

Result<SyntheticSpec> SyntheticPreset(std::string_view preset, std::string_view architecture) {
  if (architecture != "llama" && architecture != "qwen2" && architecture != "qwen3") {
    return InvalidArgumentError("unknown architecture '" + std::string(architecture) +
                                "' (expected llama, qwen2 or qwen3)");
  }
  SyntheticSpec s;
  s.architecture = std::string(architecture);
  s.name = "synthetic " + std::string(preset);
  if (preset == "tiny") {
    s.vocab_size = 512, s.embedding_length = 256, s.num_layers = 2, s.num_heads = 4;
    s.num_kv_heads = 2, s.feed_forward_length = 512, s.context_length = 2048;
  } else if (preset == "tinyllama-1.1b") {
    s.vocab_size = 32000, s.embedding_length = 2048, s.num_layers = 22, s.num_heads = 32;
    s.num_kv_heads = 4, s.feed_forward_length = 5632, s.context_length = 2048;
  } else if (preset == "llama3.2-1b") {
    s.vocab_size = 128256, s.embedding_length = 2048, s.num_layers = 16, s.num_heads = 32;
    s.num_kv_heads = 8, s.feed_forward_length = 8192, s.context_length = 131072;
    s.rope_freq_base = 500000.0f, s.tied_embeddings = true, s.llama3_rope = true;
  } else if (preset == "qwen2.5-0.5b") {
    s.vocab_size = 151936, s.embedding_length = 896, s.num_layers = 24, s.num_heads = 14;
    s.num_kv_heads = 2, s.feed_forward_length = 4864, s.context_length = 32768;
    s.rope_freq_base = 1000000.0f, s.rms_norm_eps = 1e-6f, s.tied_embeddings = true;
  } else {
    return InvalidArgumentError("unknown preset '" + std::string(preset) +
                                "' (expected tiny, tinyllama-1.1b, llama3.2-1b, qwen2.5-0.5b)");
  }
  return s;
}

Result<gguf::GgufWriter> BuildSyntheticModel(const SyntheticSpec& spec,
                                             const gguf::GgufFile* vocab_from, ThreadPool* pool) {
  SyntheticSpec s = spec;
  gguf::GgufWriter out;
  WriteHyperParameters(s, out);
  if (vocab_from != nullptr) {
    CITADEL_ASSIGN_OR_RETURN(auto tokens, vocab_from->GetStringArray("tokenizer.ggml.tokens"));
    s.vocab_size = static_cast<int>(tokens.size());
    for (const gguf::MetadataEntry& entry : vocab_from->metadata()) {
      if (entry.key.starts_with("tokenizer.")) out.SetValue(std::string(entry.key), entry.value);
    }
  } else {
    WriteMadeUpTokenizer(out, s.vocab_size);
  }
  if (s.vocab_size < 259 || s.num_heads <= 0 || s.num_kv_heads <= 0 ||
      s.num_heads % s.num_kv_heads != 0) {
    return InvalidArgumentError(
        "synthetic model needs >= 259 tokens and heads divisible by kv heads");
  }
  const int head_dim = s.head_dim > 0 ? s.head_dim : s.embedding_length / s.num_heads;
  Writer w{s, out, pool, Random(s.seed)};
  CITADEL_TRY(AddMatrix(w, "token_embd.weight", s.vocab_size, s.embedding_length, -1));
  CITADEL_TRY(AddVector(w, "output_norm.weight", s.embedding_length, 1.0f, 0.1f));
  if (!s.tied_embeddings) {
    CITADEL_TRY(AddMatrix(w, "output.weight", s.vocab_size, s.embedding_length, -1));
  }
  if (s.llama3_rope) {
    std::vector<float> factors = Llama3FreqFactors(head_dim, s.rope_freq_base);
    const auto length = static_cast<std::int64_t>(factors.size());
    CITADEL_TRY(AddF32(w, "rope_freqs.weight", std::move(factors), {length}));
  }
  for (int layer_idx = 0; layer_idx < s.num_layers; ++layer_idx) {
    CITADEL_TRY(WriteLayer(w, layer_idx, head_dim));
  }
  return out;
}

}  // namespace citadel::model
