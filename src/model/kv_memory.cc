#include "model/kv_memory.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "kernels/activation_quant.h"
#include "kernels/dequantize.h"
#include "kernels/fp16.h"

namespace citadel::model {
namespace {

std::int64_t RowElements(const KvShape& shape) {
  return static_cast<std::int64_t>(shape.num_kv_heads) * shape.head_dim;
}

// Writes `n` F32 values as `type` (n a multiple of 32 for kQ8_0).
void EncodeRow(kernels::KvCacheType type, const float* src, std::byte* dst, std::int64_t n) {
  if (type == kernels::KvCacheType::kQ8_0) {
    kernels::QuantizeRowQ8_0(src, reinterpret_cast<kernels::BlockQ8_0*>(dst), n);
  } else {
    kernels::F32ToF16Row(src, reinterpret_cast<kernels::Half*>(dst), n);
  }
}

void DecodeRow(kernels::KvCacheType type, const std::byte* src, float* dst, std::int64_t n) {
  if (type == kernels::KvCacheType::kQ8_0) {
    kernels::DequantizeRowQ8_0(reinterpret_cast<const kernels::BlockQ8_0*>(src), dst, n);
  } else {
    kernels::F16ToF32Row(reinterpret_cast<const kernels::Half*>(src), dst, n);
  }
}

}  // namespace

std::int64_t KvMemory::RowBytes() const {
  return kernels::KvBytes(shape_.type, RowElements(shape_));
}

std::int64_t KvMemory::LayerBytes() const {
  return static_cast<std::int64_t>(shape_.num_blocks) * shape_.block_size * RowBytes();
}

std::int64_t KvMemory::BytesPerPosition(const KvShape& shape) {
  return 2LL * shape.num_layers * kernels::KvBytes(shape.type, RowElements(shape));
}

std::int64_t KvMemory::size_bytes() const {
  return 2 * shape_.num_layers * LayerBytes();
}

Result<KvMemory> KvMemory::Create(const KvShape& shape) {
  if (shape.num_layers <= 0 || shape.num_kv_heads <= 0 || shape.head_dim <= 0 ||
      shape.block_size <= 0 || shape.num_blocks <= 0) {
    return InvalidArgumentError("KV memory shape has a non-positive size (layers " +
                                std::to_string(shape.num_layers) + ", blocks " +
                                std::to_string(shape.num_blocks) + ", block size " +
                                std::to_string(shape.block_size) + ")");
  }
  CITADEL_TRY(kernels::CheckKvCacheType(shape.type, shape.head_dim));
  KvMemory memory;
  memory.shape_ = shape;
  const std::int64_t bytes = memory.size_bytes();
  Result<PageBuffer> buffer = PageBuffer::Allocate(static_cast<std::size_t>(bytes));
  if (!buffer.ok()) {
    return ResourceExhaustedError("cannot allocate " + std::to_string(bytes) +
                                  " bytes of KV memory");
  }
  memory.buffer_ = std::move(*buffer);
  return memory;
}

std::int64_t KvMemory::RowOffset(int layer_idx, bool value, std::int32_t block_id, int slot) const {
  return (2LL * layer_idx + (value ? 1 : 0)) * LayerBytes() +
         (static_cast<std::int64_t>(block_id) * shape_.block_size + slot) * RowBytes();
}

void KvMemory::StoreRows(int layer_idx, std::int32_t block_id, int slot, const float* key,
                         const float* value) {
  const std::int64_t n = RowElements(shape_);
  EncodeRow(shape_.type, key, data() + RowOffset(layer_idx, false, block_id, slot), n);
  EncodeRow(shape_.type, value, data() + RowOffset(layer_idx, true, block_id, slot), n);
}

void KvMemory::LoadRows(int layer_idx, std::int32_t block_id, int slot, float* key,
                        float* value) const {
  const std::int64_t n = RowElements(shape_);
  DecodeRow(shape_.type, data() + RowOffset(layer_idx, false, block_id, slot), key, n);
  DecodeRow(shape_.type, data() + RowOffset(layer_idx, true, block_id, slot), value, n);
}

kernels::PagedKvView KvMemory::LayerView(int layer_idx) const {
  const std::byte* base = data() + 2LL * layer_idx * LayerBytes();
  return kernels::PagedKvView{
      base,       base + LayerBytes(), shape_.block_size, shape_.num_kv_heads, shape_.head_dim,
      shape_.type};
}

}  // namespace citadel::model
