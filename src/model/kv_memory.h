// KV memory: the storage of keys and values for every layer, cut into
// fixed-size blocks that sequences address through block tables (the block
// ids are handed out by the engine's KV bookkeeping; this class only holds
// the bytes).
//
// Layout, per layer, for keys and for values alike (F16):
//
//   [num_blocks][block_size][num_kv_heads][head_dim]
//
// so a block holds `block_size` consecutive positions of one sequence and
// the row of one (position, KV head) is head_dim contiguous halves.
//
// Thread-compatible: the forward pass writes the rows of the batch's tokens,
// then reads; callers never run two forward passes on one KvMemory at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "kernels/attention.h"
#include "kernels/block_formats.h"
#include "util/status.h"

namespace citadel::model {

struct KvShape {
  int num_layers = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int block_size = 16;  // positions per block
  int num_blocks = 0;
};

class KvMemory {
 public:
  // Allocates (and zeroes) the storage. InvalidArgument for non-positive
  // sizes; ResourceExhausted when the allocation fails.
  static Result<KvMemory> Create(const KvShape& shape);

  KvMemory(KvMemory&&) noexcept = default;
  KvMemory& operator=(KvMemory&&) noexcept = default;

  const KvShape& shape() const { return shape_; }
  // Bytes held for keys and values of all layers.
  std::int64_t size_bytes() const;
  // Bytes per position (all layers, keys and values).
  static std::int64_t BytesPerPosition(const KvShape& shape);

  // The [num_kv_heads * head_dim] key (or value) row of `position`, inside
  // block `block_id`'s slot position % block_size, for `layer_idx`.
  kernels::Half* KeyRow(int layer_idx, std::int32_t block_id, int slot);
  kernels::Half* ValueRow(int layer_idx, std::int32_t block_id, int slot);

  // Read view of one layer for the attention kernel.
  kernels::PagedKvView LayerView(int layer_idx) const;

 private:
  KvMemory() = default;
  struct FreeDeleter {
    void operator()(kernels::Half* p) const;
  };
  std::int64_t LayerHalves() const;
  kernels::Half* Row(int layer_idx, bool value, std::int32_t block_id, int slot);

  KvShape shape_;
  std::unique_ptr<kernels::Half, FreeDeleter> data_;  // [layers][2 (k, v)][blocks]...
};

}  // namespace citadel::model
