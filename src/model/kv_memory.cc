#include "model/kv_memory.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace citadel::model {

void KvMemory::FreeDeleter::operator()(kernels::Half* p) const {
  std::free(p);
}

std::int64_t KvMemory::LayerHalves() const {
  return static_cast<std::int64_t>(shape_.num_blocks) * shape_.block_size * shape_.num_kv_heads *
         shape_.head_dim;
}

std::int64_t KvMemory::BytesPerPosition(const KvShape& shape) {
  return 2LL * shape.num_layers * shape.num_kv_heads * shape.head_dim *
         static_cast<std::int64_t>(sizeof(kernels::Half));
}

std::int64_t KvMemory::size_bytes() const {
  return 2 * shape_.num_layers * LayerHalves() * static_cast<std::int64_t>(sizeof(kernels::Half));
}

Result<KvMemory> KvMemory::Create(const KvShape& shape) {
  if (shape.num_layers <= 0 || shape.num_kv_heads <= 0 || shape.head_dim <= 0 ||
      shape.block_size <= 0 || shape.num_blocks <= 0) {
    return InvalidArgumentError("KV memory shape has a non-positive size (layers " +
                                std::to_string(shape.num_layers) + ", blocks " +
                                std::to_string(shape.num_blocks) + ", block size " +
                                std::to_string(shape.block_size) + ")");
  }
  KvMemory memory;
  memory.shape_ = shape;
  const std::int64_t bytes = memory.size_bytes();
  constexpr std::size_t kAlignment = 64;
  const std::size_t rounded =
      (static_cast<std::size_t>(bytes) + kAlignment - 1) / kAlignment * kAlignment;
  void* raw = std::aligned_alloc(kAlignment, rounded);
  if (raw == nullptr) {
    return ResourceExhaustedError("cannot allocate " + std::to_string(bytes) +
                                  " bytes of KV memory");
  }
  std::memset(raw, 0, rounded);
  memory.data_.reset(static_cast<kernels::Half*>(raw));
  return memory;
}

kernels::Half* KvMemory::Row(int layer_idx, bool value, std::int32_t block_id, int slot) {
  const std::int64_t row_halves = static_cast<std::int64_t>(shape_.num_kv_heads) * shape_.head_dim;
  const std::int64_t offset =
      (2LL * layer_idx + (value ? 1 : 0)) * LayerHalves() +
      (static_cast<std::int64_t>(block_id) * shape_.block_size + slot) * row_halves;
  return data_.get() + offset;
}

kernels::Half* KvMemory::KeyRow(int layer_idx, std::int32_t block_id, int slot) {
  return Row(layer_idx, false, block_id, slot);
}

kernels::Half* KvMemory::ValueRow(int layer_idx, std::int32_t block_id, int slot) {
  return Row(layer_idx, true, block_id, slot);
}

kernels::PagedKvView KvMemory::LayerView(int layer_idx) const {
  const kernels::Half* base = data_.get() + 2LL * layer_idx * LayerHalves();
  return kernels::PagedKvView{base, base + LayerHalves(), shape_.block_size, shape_.num_kv_heads,
                              shape_.head_dim};
}

}  // namespace citadel::model
