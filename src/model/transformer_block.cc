// The transformer block shared by every architecture family (llama, qwen2,
// qwen3): pre-norm attention and SwiGLU feed-forward, with the family's
// options read from ModelConfig (q/k/v bias, per-head q/k norm, RoPE layout).
#include <cmath>
#include <cstddef>

#include "kernels/activation.h"
#include "kernels/attention.h"
#include "kernels/attention_tile.h"
#include "kernels/elementwise.h"
#include "kernels/rms_norm.h"
#include "kernels/rope.h"
#include "model/model.h"

namespace citadel::model {
namespace {

std::size_t Size(std::int64_t n) {
  return static_cast<std::size_t>(n);
}

// Adds `bias` [width] to each of `rows` rows of `data`.
void AddBias(float* data, int rows, std::span<const float> bias) {
  if (bias.empty()) return;
  for (int r = 0; r < rows; ++r) {
    kernels::AddInPlace(std::span<float>(data + Size(r) * bias.size(), bias.size()), bias);
  }
}

}  // namespace

void Model::RunLayer(int layer_idx, const Chunk& chunk) {
  const LayerWeights& w = weights_.layers[Size(layer_idx)];
  NormRows(w.attn_norm, chunk.size());
  Attention(layer_idx, chunk);
  AddResidual(chunk.size());
  NormRows(w.ffn_norm, chunk.size());
  FeedForward(layer_idx, chunk);
  AddResidual(chunk.size());
}

// xn_ = RmsNorm(x_) * weight, rows split over the pool.
void Model::NormRows(std::span<const float> weight, int rows) {
  const std::size_t embd = Size(config_.embedding_length);
  ForRows(rows, [&](int r) {
    kernels::RmsNorm(std::span<const float>(x_.data() + Size(r) * embd, embd), weight,
                     config_.rms_norm_eps, std::span<float>(xn_.data() + Size(r) * embd, embd));
  });
}

// Calls fn(row) for rows [0, rows), split over the pool when there are
// enough rows to pay for the fork-join.
void Model::ForRows(int rows, FunctionRef<void(int)> fn) {
  constexpr int kMinRowsPerThread = 2;
  const int threads = pool_->size();
  if (threads == 1 || rows < kMinRowsPerThread * threads) {
    for (int r = 0; r < rows; ++r) fn(r);
    return;
  }
  pool_->Run([&](int thread_idx) {
    const auto [begin, end] = ThreadPool::Split(rows, thread_idx, threads);
    for (std::int64_t r = begin; r < end; ++r) fn(static_cast<int>(r));
  });
}

// x_ += out_.
void Model::AddResidual(int rows) {
  const std::size_t n = Size(rows) * Size(config_.embedding_length);
  kernels::AddInPlace(std::span<float>(x_.data(), n), std::span<const float>(out_.data(), n));
}

// out_ = Wo · attention(q, K, V) with q, k, v projected from xn_.
void Model::Attention(int layer_idx, const Chunk& chunk) {
  const LayerWeights& w = weights_.layers[Size(layer_idx)];
  const int rows = chunk.size();
  const kernels::MatMulTarget qkv[] = {
      {w.attn_q, q_.data()}, {w.attn_k, k_.data()}, {w.attn_v, v_.data()}};
  kernels::MatMulShared(qkv, xn_.data(), rows, *pool_, matmul_scratch_);
  PrepareQk(w, rows);
  StoreKv(layer_idx, chunk);
  AttendAll(layer_idx, chunk);
  kernels::MatMul(w.attn_output, attn_.data(), rows, out_.data(), *pool_, matmul_scratch_);
}

// Per token: biases, per-head q/k norms, RoPE; tokens split over the pool.
void Model::PrepareQk(const LayerWeights& w, int rows) {
  const int head_dim = config_.head_dim;
  const std::size_t q_dim = Size(config_.q_dim()), kv_dim = Size(config_.kv_dim());
  const std::size_t dims = Size(config_.rope_dims);
  ForRows(rows, [&](int i) {
    float* q = q_.data() + Size(i) * q_dim;
    float* k = k_.data() + Size(i) * kv_dim;
    AddBias(q, 1, w.q_bias);
    AddBias(k, 1, w.k_bias);
    AddBias(v_.data() + Size(i) * kv_dim, 1, w.v_bias);
    if (!w.q_norm.empty()) {
      kernels::RmsNormRows(q, config_.num_heads, head_dim, w.q_norm, config_.rms_norm_eps);
      kernels::RmsNormRows(k, config_.num_kv_heads, head_dim, w.k_norm, config_.rms_norm_eps);
    }
    std::span<const float> cache(rope_cache_.data() + Size(i) * dims, dims);
    kernels::ApplyRope(rope_, cache, q, config_.num_heads, head_dim);
    kernels::ApplyRope(rope_, cache, k, config_.num_kv_heads, head_dim);
  });
}

// Writes the chunk's keys and values at their positions' KV slots, in the KV
// memory's element type (F16, or Q8_0 blocks of 32 along head_dim).
void Model::StoreKv(int layer_idx, const Chunk& chunk) {
  const Batch& batch = *chunk.batch;
  const int block_size = kv_.shape().block_size;
  const std::size_t kv_dim = Size(config_.kv_dim());
  ForRows(chunk.size(), [&](int i) {
    const std::size_t t = Size(chunk.begin + i);
    const int position = batch.positions[t];
    const std::int32_t block = batch.BlockTable(batch.sequence_idx[t])[Size(position / block_size)];
    const int slot = position % block_size;
    kv_.StoreRows(layer_idx, block, slot, k_.data() + Size(i) * kv_dim,
                  v_.data() + Size(i) * kv_dim);
  });
}

// attn_[token, head] = softmax(q K^T / sqrt(d)) V over the token's own
// sequence, positions 0..position. Split over (token, head) pairs.
void Model::AttendAll(int layer_idx, const Chunk& chunk) {
  if (kernels::AttendTilePreferred(config_.head_dim)) return AttendTiles(layer_idx, chunk);
  const Batch& batch = *chunk.batch;
  const kernels::PagedKvView view = kv_.LayerView(layer_idx);
  const int heads = config_.num_heads;
  const int group = config_.num_heads / config_.num_kv_heads;
  const std::size_t head_dim = Size(config_.head_dim);
  const float scale = 1.0f / std::sqrt(static_cast<float>(config_.head_dim));
  const int threads = pool_->size();
  pool_->Run([&](int thread_idx) {
    const auto [begin, end] =
        ThreadPool::Split(static_cast<std::int64_t>(chunk.size()) * heads, thread_idx, threads);
    kernels::AttentionScratch scratch{std::span<float>(
        scores_.data() + Size(thread_idx) * Size(context_length_), Size(context_length_))};
    for (std::int64_t item = begin; item < end; ++item) {
      const int i = static_cast<int>(item / heads);
      const int head = static_cast<int>(item % heads);
      const std::size_t t = Size(chunk.begin + i);
      const std::size_t offset = (Size(i) * Size(heads) + Size(head)) * head_dim;
      kernels::AttendHead(std::span<const float>(q_.data() + offset, head_dim), view, head / group,
                          batch.BlockTable(batch.sequence_idx[t]), batch.positions[t] + 1, scale,
                          scratch, std::span<float>(attn_.data() + offset, head_dim));
    }
  });
}

// As AttendAll, in tiles: up to kAttentionTileTokens consecutive tokens of one
// sequence times the query heads of one KV head share each widened block of
// keys and values (kernels/attention_tile.h). Split over (tile, KV head).
void Model::AttendTiles(int layer_idx, const Chunk& chunk) {
  const Batch& batch = *chunk.batch;
  const kernels::PagedKvView view = kv_.LayerView(layer_idx);
  const int kv_heads = config_.num_kv_heads;
  const int group = config_.num_heads / kv_heads;
  const std::int64_t head_dim = config_.head_dim;
  const std::int64_t stride = config_.q_dim();
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  tile_starts_.clear();
  for (int t = chunk.begin; t < chunk.end; ++t) {
    const bool continues = t > chunk.begin && t - tile_starts_.back() < kAttentionTileTokens &&
                           batch.sequence_idx[Size(t)] == batch.sequence_idx[Size(t - 1)] &&
                           batch.positions[Size(t)] == batch.positions[Size(t - 1)] + 1;
    if (!continues) tile_starts_.push_back(t);
  }
  tile_starts_.push_back(chunk.end);
  const std::int64_t tiles = static_cast<std::int64_t>(tile_starts_.size()) - 1;
  const int threads = pool_->size();
  pool_->Run([&](int thread_idx) {
    const auto [begin, end] = ThreadPool::Split(tiles * kv_heads, thread_idx, threads);
    const std::span<float> scratch(scores_.data() + Size(thread_idx) * scores_per_thread_,
                                   scores_per_thread_);
    for (std::int64_t item = begin; item < end; ++item) {
      const int first = tile_starts_[Size(item / kv_heads)];
      const int kv_head = static_cast<int>(item % kv_heads);
      const std::int64_t offset = (first - chunk.begin) * stride + kv_head * group * head_dim;
      const kernels::AttentionTile tile{q_.data() + offset,
                                        attn_.data() + offset,
                                        stride,
                                        tile_starts_[Size(item / kv_heads) + 1] - first,
                                        group,
                                        batch.positions[Size(first)] + 1};
      kernels::AttendTile(tile, view, kv_head, batch.BlockTable(batch.sequence_idx[Size(first)]),
                          scale, scratch);
    }
  });
}

// out_ = Wdown · (silu(Wgate · xn_) * (Wup · xn_)).
void Model::FeedForward(int layer_idx, const Chunk& chunk) {
  const LayerWeights& w = weights_.layers[Size(layer_idx)];
  const int rows = chunk.size();
  const kernels::MatMulTarget gate_up[] = {{w.ffn_gate, gate_.data()}, {w.ffn_up, up_.data()}};
  kernels::MatMulShared(gate_up, xn_.data(), rows, *pool_, matmul_scratch_);
  const std::size_t ff = Size(config_.feed_forward_length);
  ForRows(rows, [&](int r) {
    const std::size_t offset = Size(r) * ff;
    kernels::SiluMul(std::span<const float>(gate_.data() + offset, ff),
                     std::span<const float>(up_.data() + offset, ff),
                     std::span<float>(gate_.data() + offset, ff));
  });
  kernels::MatMul(w.ffn_down, gate_.data(), rows, out_.data(), *pool_, matmul_scratch_);
}

}  // namespace citadel::model
