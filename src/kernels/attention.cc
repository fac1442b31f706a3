#include "kernels/attention.h"

#include <cassert>
#include <cmath>
#include <cstddef>

#include "kernels/attention_simd.h"
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

float DotScalar(const float* q, const Half* key, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += q[i] * F16ToF32(key[i]);
  return sum;
}

void AxpyScalar(float weight, const Half* value, float* out, int n) {
  for (int i = 0; i < n; ++i) out[i] += weight * F16ToF32(value[i]);
}

}  // namespace

namespace internal {
AttentionLoops ScalarAttentionLoops() {
  return {DotScalar, AxpyScalar};
}
}  // namespace internal

void AttendHead(std::span<const float> q, const PagedKvView& kv, int kv_head,
                std::span<const std::int32_t> block_table, int context_length, float scale,
                AttentionScratch scratch, std::span<float> out) {
  AttendHeadAtLevel(SelectedSimdLevel(), q, kv, kv_head, block_table, context_length, scale,
                    scratch, out);
}

void AttendHeadAtLevel(SimdLevel level, std::span<const float> q, const PagedKvView& kv,
                       int kv_head, std::span<const std::int32_t> block_table, int context_length,
                       float scale, AttentionScratch scratch, std::span<float> out) {
  const internal::AttentionLoops loops =
      level >= SimdLevel::kAvx2 && MaxSupportedSimdLevel() >= SimdLevel::kAvx2
          ? internal::Avx2AttentionLoops()
          : internal::ScalarAttentionLoops();
  const int head_dim = kv.head_dim;
  assert(static_cast<int>(q.size()) == head_dim && static_cast<int>(out.size()) == head_dim);
  assert(context_length >= 1 && static_cast<int>(scratch.scores.size()) >= context_length);
  for (int pos = 0; pos < context_length; ++pos) {
    const Half* key = kv.keys + RowOffset(kv, block_table, pos, kv_head);
    scratch.scores[pos] = loops.dot(q.data(), key, head_dim) * scale;
  }
  Softmax(scratch.scores.first(static_cast<std::size_t>(context_length)));
  for (int d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (int pos = 0; pos < context_length; ++pos) {
    const Half* value = kv.values + RowOffset(kv, block_table, pos, kv_head);
    loops.axpy(scratch.scores[pos], value, out.data(), head_dim);
  }
}

}  // namespace citadel::kernels
