// A loaded model: hyper-parameters, weights bound in place in the memory
// map, KV memory, and one batched forward pass over a ragged Batch.
//
//   auto model = Model::Load("m.gguf", options);          // map + validate + bind
//   Batch batch; batch.AddSequence(table); batch.AddToken(id, pos, 0, true);
//   model->Forward(batch, logits);                        // [num_logits, vocab]
//
// Forward is the same code for one sequence or many: each token attends to
// its own sequence's KV positions through that sequence's block table, so a
// request's output does not depend on what else is in the batch (habit 15).
// Scratch is sized at load for `max_batch_tokens` tokens; a larger batch is
// processed in chunks of that many tokens. No allocation per token.
//
// Thread contract: thread-compatible. One thread at a time calls Forward
// (the engine thread); Forward fans out over the model's own compute pool.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "kernels/block_formats.h"
#include "kernels/matmul.h"
#include "kernels/rope.h"
#include "model/batch.h"
#include "model/kv_memory.h"
#include "model/model_config.h"
#include "model/weights.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace citadel::model {

struct LoadOptions {
  int threads = 0;                                // compute threads; 0: all hardware threads
  int max_batch_tokens = 512;                     // tokens per internal chunk (scratch size)
  int context_length = 0;                         // longest sequence; 0: min(trained context, 4096)
  int kv_block_size = 16;                         // positions per KV block
  int kv_blocks = 0;                              // 0: enough for one sequence of context_length
  KvCacheType kv_cache_type = KvCacheType::kF16;  // --kv-cache-type
};

class Model {
 public:
  // Maps and validates `path`, parses the hyper-parameters, binds the
  // weights and allocates KV memory and scratch. Errors name the file and
  // what is wrong (unsupported architecture, missing tensor, bad shape...).
  static Result<std::unique_ptr<Model>> Load(const std::string& path, const LoadOptions& options);
  // As Load, from an already opened file (taken over).
  static Result<std::unique_ptr<Model>> FromFile(gguf::GgufFile file, const LoadOptions& options);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  const ModelConfig& config() const { return config_; }
  const gguf::GgufFile& file() const { return file_; }
  KvMemory& kv_memory() { return kv_; }
  int context_length() const { return context_length_; }
  int threads() const { return pool_->size(); }

  // Runs the batch through the model: writes every token's keys and values
  // into KV memory at its position, and the logits of the tokens with
  // wants_logits set, in token order, to `logits` [batch.num_logits(), vocab].
  // Token ids must be inside the vocabulary: they are checked once, where
  // they enter (Engine::Submit), not again on every step (an id outside it is
  // a programmer error). InvalidArgument (nothing written) when a position is
  // negative or >= context_length(), a block table does not cover a position
  // or names a block outside KV memory, or logits.size() != num_logits * vocab.
  Status Forward(const Batch& batch, std::span<float> logits);

 private:
  // Token range [begin, end) of the batch processed in one pass of the layers.
  struct Chunk {
    const Batch* batch;
    int begin;
    int end;
    int size() const { return end - begin; }
  };

  Model(gguf::GgufFile file, ModelConfig config, ModelWeights weights, KvMemory kv,
        const LoadOptions& options);
  Status ValidateBatch(const Batch& batch, std::span<const float> logits) const;
  void ForwardChunk(const Chunk& chunk, float* logits);
  void Embed(const Chunk& chunk);
  void ComputeRopeCache(const Chunk& chunk);
  void OutputLogits(const Chunk& chunk, float* logits);
  // transformer_block.cc: norm -> attention -> residual -> norm -> FFN -> residual.
  void RunLayer(int layer_idx, const Chunk& chunk);
  void Attention(int layer_idx, const Chunk& chunk);
  void PrepareQk(const LayerWeights& w, int rows);
  void StoreKv(int layer_idx, const Chunk& chunk);
  void AttendAll(int layer_idx, const Chunk& chunk);
  void AttendTiles(int layer_idx, const Chunk& chunk);
  // Consecutive tokens of one sequence that share widened keys and values.
  static constexpr int kAttentionTileTokens = 8;
  void FeedForward(int layer_idx, const Chunk& chunk);
  void NormRows(std::span<const float> weight, int rows);
  void AddResidual(int rows);
  void ForRows(int rows, FunctionRef<void(int)> fn);

  gguf::GgufFile file_;
  ModelConfig config_;
  ModelWeights weights_;
  KvMemory kv_;
  kernels::RopeConfig rope_;
  int context_length_ = 0;
  int max_batch_tokens_ = 0;
  std::unique_ptr<ThreadPool> pool_;
  kernels::MatMulScratch matmul_scratch_;

  // Scratch, sized at load for max_batch_tokens_ tokens (T).
  std::vector<float> x_;           // [T, embd] residual stream
  std::vector<float> xn_;          // [T, embd] normalised input of a sub-block
  std::vector<float> q_;           // [T, q_dim]
  std::vector<float> k_;           // [T, kv_dim]
  std::vector<float> v_;           // [T, kv_dim]
  std::vector<float> attn_;        // [T, q_dim] attention output per head
  std::vector<float> out_;         // [T, embd] sub-block output
  std::vector<float> gate_;        // [T, ff]
  std::vector<float> up_;          // [T, ff]
  std::vector<float> rope_cache_;  // [T, rope_dims] (cos, sin) pairs per token
  std::vector<float> scores_;      // [threads, scores_per_thread_] attention scratch
  std::size_t scores_per_thread_ = 0;
  std::vector<int> tile_starts_;  // AttendTiles: first token of each tile, then the end
};

}  // namespace citadel::model
