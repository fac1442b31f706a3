#include "model/model.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <thread>
#include <utility>

#include "kernels/attention_tile.h"
#include "kernels/dequantize.h"
#include "kernels/rms_norm.h"

namespace citadel::model {
namespace {

constexpr int kDefaultMaxContext = 4096;

std::size_t Size(std::int64_t n) {
  return static_cast<std::size_t>(n);
}

}  // namespace

Result<std::unique_ptr<Model>> Model::Load(const std::string& path, const LoadOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(path));
  return FromFile(std::move(file), options);
}

Result<std::unique_ptr<Model>> Model::FromFile(gguf::GgufFile file, const LoadOptions& options) {
  if (options.max_batch_tokens <= 0 || options.kv_block_size <= 0 || options.threads < 0 ||
      options.context_length < 0 || options.kv_blocks < 0) {
    return InvalidArgumentError("model load options must not be negative (and batch size > 0)");
  }
  CITADEL_ASSIGN_OR_RETURN(ModelConfig config, ModelConfigFromGguf(file));
  LoadOptions resolved = options;
  if (resolved.context_length == 0) {
    resolved.context_length = std::min(config.context_length, kDefaultMaxContext);
  }
  if (resolved.threads == 0) {
    resolved.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  Result<ModelWeights> bound = [&] {
    ThreadPool packers(resolved.threads);  // repacks weights in parallel, then goes
    return BindWeights(file, config, &packers);
  }();
  if (!bound.ok()) return bound.status();
  ModelWeights weights = std::move(*bound);
  const int blocks_per_sequence =
      (resolved.context_length + resolved.kv_block_size - 1) / resolved.kv_block_size;
  if (resolved.kv_blocks == 0) resolved.kv_blocks = blocks_per_sequence;
  KvShape shape{config.num_layers,      config.num_kv_heads, config.head_dim,
                resolved.kv_block_size, resolved.kv_blocks,  resolved.kv_cache_type};
  CITADEL_ASSIGN_OR_RETURN(KvMemory kv, KvMemory::Create(shape));
  return std::unique_ptr<Model>(
      new Model(std::move(file), std::move(config), std::move(weights), std::move(kv), resolved));
}

Model::Model(gguf::GgufFile file, ModelConfig config, ModelWeights weights, KvMemory kv,
             const LoadOptions& options)
    : file_(std::move(file)),
      config_(std::move(config)),
      weights_(std::move(weights)),
      kv_(std::move(kv)),
      context_length_(options.context_length),
      max_batch_tokens_(options.max_batch_tokens),
      pool_(std::make_unique<ThreadPool>(options.threads)) {
  rope_.n_dims = config_.rope_dims;
  rope_.freq_base = config_.rope_freq_base;
  rope_.freq_scale = config_.rope_freq_scale;
  rope_.neox = config_.rope_neox;
  rope_.freq_factors = weights_.rope_freqs;
  const std::int64_t t = max_batch_tokens_;
  x_.resize(Size(t * config_.embedding_length));
  xn_.resize(Size(t * config_.embedding_length));
  out_.resize(Size(t * config_.embedding_length));
  q_.resize(Size(t * config_.q_dim()));
  attn_.resize(Size(t * config_.q_dim()));
  k_.resize(Size(t * config_.kv_dim()));
  v_.resize(Size(t * config_.kv_dim()));
  gate_.resize(Size(t * config_.feed_forward_length));
  up_.resize(Size(t * config_.feed_forward_length));
  rope_cache_.resize(Size(t * config_.rope_dims));
  // AttendHead's scores, or AttendTile's scratch for the largest tile.
  const kernels::AttentionTile largest{
      nullptr, nullptr, 0, kAttentionTileTokens, config_.num_heads / config_.num_kv_heads, 1};
  scores_per_thread_ =
      std::max(Size(context_length_), kernels::AttendTileScratchFloats(largest, config_.head_dim));
  scores_.resize(Size(pool_->size()) * scores_per_thread_);
}

Model::~Model() = default;

Status Model::ValidateBatch(const Batch& batch, std::span<const float> logits) const {
  const int n = batch.num_tokens();
  if (batch.positions.size() != Size(n) || batch.sequence_idx.size() != Size(n) ||
      batch.wants_logits.size() != Size(n)) {
    return InvalidArgumentError("batch arrays have different lengths");
  }
  const KvShape& shape = kv_.shape();
  for (int i = 0; i < n; ++i) {
    const std::int32_t position = batch.positions[Size(i)];
    const int sequence = batch.sequence_idx[Size(i)];
    if (position < 0 || position >= context_length_) {
      return InvalidArgumentError("position " + std::to_string(position) +
                                  " is outside the context of " + std::to_string(context_length_));
    }
    if (sequence < 0 || sequence >= batch.num_sequences()) {
      return InvalidArgumentError("sequence index " + std::to_string(sequence) +
                                  " is out of range");
    }
    std::span<const std::int32_t> table = batch.BlockTable(sequence);
    const std::size_t needed = Size(position / shape.block_size);
    if (needed >= table.size()) {
      return InvalidArgumentError("block table of sequence " + std::to_string(sequence) +
                                  " does not cover position " + std::to_string(position));
    }
    for (std::size_t b = 0; b <= needed; ++b) {
      if (table[b] < 0 || table[b] >= shape.num_blocks) {
        return InvalidArgumentError("block id " + std::to_string(table[b]) +
                                    " is outside KV memory of " + std::to_string(shape.num_blocks) +
                                    " blocks");
      }
    }
  }
  const std::size_t expected =
      Size(static_cast<std::int64_t>(batch.num_logits()) * config_.vocab_size);
  if (logits.size() != expected) {
    return InvalidArgumentError("logits buffer holds " + std::to_string(logits.size()) +
                                " floats, expected " + std::to_string(expected));
  }
  return OkStatus();
}

Status Model::Forward(const Batch& batch, std::span<float> logits) {
  CITADEL_TRY(ValidateBatch(batch, logits));
  float* logits_out = logits.data();
  for (int begin = 0; begin < batch.num_tokens(); begin += max_batch_tokens_) {
    const Chunk chunk{&batch, begin, std::min(batch.num_tokens(), begin + max_batch_tokens_)};
    ForwardChunk(chunk, logits_out);
    for (int i = chunk.begin; i < chunk.end; ++i) {
      if (batch.wants_logits[Size(i)] != 0) logits_out += config_.vocab_size;
    }
  }
  return OkStatus();
}

void Model::ForwardChunk(const Chunk& chunk, float* logits) {
  Embed(chunk);
  ComputeRopeCache(chunk);
  for (int layer_idx = 0; layer_idx < config_.num_layers; ++layer_idx) {
    RunLayer(layer_idx, chunk);
  }
  OutputLogits(chunk, logits);
}

void Model::Embed(const Chunk& chunk) {
  const kernels::WeightView& embd = weights_.token_embd;
  const std::int64_t row_bytes = RowBytes(embd.type, embd.cols);
  for (int i = 0; i < chunk.size(); ++i) {
    const std::int32_t token = chunk.batch->token_ids[Size(chunk.begin + i)];
    assert(token >= 0 && token < config_.vocab_size);  // the caller's contract (Forward)
    // The type and row length were checked at bind time, so this cannot fail.
    (void)kernels::DequantizeRow(embd.type, embd.data + token * row_bytes,
                                 x_.data() + Size(i) * Size(embd.cols), embd.cols);
  }
}

void Model::ComputeRopeCache(const Chunk& chunk) {
  const int dims = config_.rope_dims;
  for (int i = 0; i < chunk.size(); ++i) {
    std::span<float> cache(rope_cache_.data() + Size(i) * Size(dims), Size(dims));
    kernels::RopeCache(rope_, chunk.batch->positions[Size(chunk.begin + i)], cache);
  }
}

void Model::OutputLogits(const Chunk& chunk, float* logits) {
  const int embd = config_.embedding_length;
  int rows = 0;
  for (int i = 0; i < chunk.size(); ++i) {
    if (chunk.batch->wants_logits[Size(chunk.begin + i)] == 0) continue;
    std::span<const float> x(x_.data() + Size(i) * Size(embd), Size(embd));
    std::span<float> normed(xn_.data() + Size(rows) * Size(embd), Size(embd));
    kernels::RmsNorm(x, weights_.output_norm, config_.rms_norm_eps, normed);
    ++rows;
  }
  if (rows == 0) return;
  kernels::MatMul(weights_.output, xn_.data(), rows, logits, *pool_, matmul_scratch_);
}

}  // namespace citadel::model
