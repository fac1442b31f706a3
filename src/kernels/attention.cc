#include "kernels/attention.h"

#include <cassert>
#include <cmath>
#include <cstddef>

#include "kernels/fp16.h"
#include "kernels/softmax.h"

namespace citadel::kernels {
namespace {

// Offset (in halves) of the row for `position`, KV head `kv_head`.
inline std::ptrdiff_t RowOffset(const PagedKvView& kv, std::span<const std::int32_t> block_table,
                                int position, int kv_head) {
  const std::ptrdiff_t block = block_table[position / kv.block_size];
  const std::ptrdiff_t slot = position % kv.block_size;
  return ((block * kv.block_size + slot) * kv.num_kv_heads + kv_head) * kv.head_dim;
}

// Dot product of an F32 query with an F16 key row, F32 accumulation.
float DotF32F16(const float* q, const Half* key, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += q[i] * F16ToF32(key[i]);
  return sum;
}

}  // namespace

void AttendHead(std::span<const float> q, const PagedKvView& kv, int kv_head,
                std::span<const std::int32_t> block_table, int context_length, float scale,
                AttentionScratch scratch, std::span<float> out) {
  const int head_dim = kv.head_dim;
  assert(static_cast<int>(q.size()) == head_dim && static_cast<int>(out.size()) == head_dim);
  assert(context_length >= 1 && static_cast<int>(scratch.scores.size()) >= context_length);
  for (int pos = 0; pos < context_length; ++pos) {
    const Half* key = kv.keys + RowOffset(kv, block_table, pos, kv_head);
    scratch.scores[pos] = DotF32F16(q.data(), key, head_dim) * scale;
  }
  Softmax(scratch.scores.first(static_cast<std::size_t>(context_length)));
  for (int d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (int pos = 0; pos < context_length; ++pos) {
    const Half* value = kv.values + RowOffset(kv, block_table, pos, kv_head);
    const float weight = scratch.scores[pos];
    for (int d = 0; d < head_dim; ++d) out[d] += weight * F16ToF32(value[d]);
  }
}

}  // namespace citadel::kernels
