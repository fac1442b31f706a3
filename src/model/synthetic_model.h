// Synthetic models: random weights with the real shapes of a known model, for
// benchmarks, capacity planning and tests that must run without downloads.
//
// Weights come from a seeded generator (splitmix64, identical on every
// platform), so the same spec always gives the same file. Projection weights
// are uniform in +-sqrt(3 / row_length) (unit variance outputs), norm weights
// near 1, biases small. The tokenizer is either copied from another GGUF
// (every tokenizer.* key, bit-exact) or a small SentencePiece-style one made
// up here (<unk>, <s>, </s>, 256 byte tokens, then "tNNN" pieces).
//
// Pure functions; thread-safe (the pool, when given, is used for quantizing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "gguf/tensor_type.h"
#include "model/quant_mix.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace citadel::model {

struct SyntheticSpec {
  std::string architecture = "llama";  // llama | qwen2 | qwen3
  std::string name = "synthetic";
  int vocab_size = 512;
  int embedding_length = 64;
  int num_layers = 2;
  int num_heads = 4;
  int num_kv_heads = 2;
  int head_dim = 0;  // 0: embedding_length / num_heads
  int feed_forward_length = 128;
  int context_length = 2048;
  float rope_freq_base = 10000.0f;
  float rms_norm_eps = 1e-5f;
  bool tied_embeddings = false;
  bool llama3_rope = false;  // write rope_freqs.weight (llama3 scaling, factor 32)
  // Weight types follow the reference quantizer's mix for this file type
  // (model/quant_mix.h); 1-D tensors stay F32.
  FileType file_type = FileType::kF32;
  std::uint64_t seed = 1;
};

// The shapes of a named preset for `architecture`: "tiny" (a few hundred KB),
// "tinyllama-1.1b", "llama3.2-1b", "qwen2.5-0.5b". InvalidArgument for an
// unknown preset or architecture.
Result<SyntheticSpec> SyntheticPreset(std::string_view preset, std::string_view architecture);

// Builds the file in a writer. When `vocab_from` is given its tokenizer.*
// metadata is copied and the vocabulary size taken from its token list.
Result<gguf::GgufWriter> BuildSyntheticModel(const SyntheticSpec& spec,
                                             const gguf::GgufFile* vocab_from, ThreadPool* pool);

}  // namespace citadel::model
