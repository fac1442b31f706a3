#include "kernels/attention.h"

#include <cassert>
#include <cmath>
#include <cstddef>

#include "kernels/attention_simd.h"
#include "kernels/fp16.h"
#include "kernels/softmax.h"

namespace citadel::kernels {
namespace {

// The row of `position`, KV head `kv_head` inside `base` (rows of row_bytes).
inline const void* Row(const void* base, std::ptrdiff_t row_bytes, const PagedKvView& kv,
                       std::span<const std::int32_t> block_table, int position, int kv_head) {
  const std::ptrdiff_t block = block_table[position / kv.block_size];
  const std::ptrdiff_t slot = position % kv.block_size;
  const std::ptrdiff_t row = (block * kv.block_size + slot) * kv.num_kv_heads + kv_head;
  return static_cast<const std::byte*>(base) + row * row_bytes;
}

float DotF16Scalar(const float* q, const void* key, int n) {
  const Half* k = static_cast<const Half*>(key);
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += q[i] * F16ToF32(k[i]);
  return sum;
}

void AxpyF16Scalar(float weight, const void* value, float* out, int n) {
  const Half* v = static_cast<const Half*>(value);
  for (int i = 0; i < n; ++i) out[i] += weight * F16ToF32(v[i]);
}

// Per block of 32: d * sum(q[i] * quant[i]).
float DotQ8_0Scalar(const float* q, const void* key, int n) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(key);
  float sum = 0.0f;
  for (int b = 0; b < n / kQK; ++b, q += kQK) {
    float block_sum = 0.0f;
    for (int i = 0; i < kQK; ++i) block_sum += q[i] * static_cast<float>(blocks[b].qs[i]);
    sum += F16ToF32(blocks[b].d) * block_sum;
  }
  return sum;
}

// Per block of 32: out[i] += (weight * d) * quant[i].
void AxpyQ8_0Scalar(float weight, const void* value, float* out, int n) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(value);
  for (int b = 0; b < n / kQK; ++b, out += kQK) {
    const float scale = weight * F16ToF32(blocks[b].d);
    for (int i = 0; i < kQK; ++i) out[i] += scale * static_cast<float>(blocks[b].qs[i]);
  }
}

}  // namespace

namespace internal {
AttentionLoops ScalarAttentionLoops(KvCacheType type) {
  if (type == KvCacheType::kQ8_0) return {DotQ8_0Scalar, AxpyQ8_0Scalar};
  return {DotF16Scalar, AxpyF16Scalar};
}
}  // namespace internal

namespace {

// The loops of the highest path both `level` and the CPU allow.
internal::AttentionLoops LoopsFor(SimdLevel level, KvCacheType type) {
  const SimdLevel supported = MaxSupportedSimdLevel();
  if (level >= SimdLevel::kAvx512 && supported >= SimdLevel::kAvx512) {
    return internal::Avx512AttentionLoops(type);
  }
  if (level >= SimdLevel::kAvx2 && supported >= SimdLevel::kAvx2) {
    return internal::Avx2AttentionLoops(type);
  }
  return internal::ScalarAttentionLoops(type);
}

}  // namespace

void AttendHead(std::span<const float> q, const PagedKvView& kv, int kv_head,
                std::span<const std::int32_t> block_table, int context_length, float scale,
                AttentionScratch scratch, std::span<float> out) {
  AttendHeadAtLevel(SelectedSimdLevel(), q, kv, kv_head, block_table, context_length, scale,
                    scratch, out);
}

void AttendHeadAtLevel(SimdLevel level, std::span<const float> q, const PagedKvView& kv,
                       int kv_head, std::span<const std::int32_t> block_table, int context_length,
                       float scale, AttentionScratch scratch, std::span<float> out) {
  const internal::AttentionLoops loops = LoopsFor(level, kv.type);
  const int head_dim = kv.head_dim;
  const std::ptrdiff_t row_bytes = KvBytes(kv.type, head_dim);
  assert(static_cast<int>(q.size()) == head_dim && static_cast<int>(out.size()) == head_dim);
  assert(context_length >= 1 && static_cast<int>(scratch.scores.size()) >= context_length);
  assert(kv.type != KvCacheType::kQ8_0 || head_dim % kQK == 0);
  for (int pos = 0; pos < context_length; ++pos) {
    const void* key = Row(kv.keys, row_bytes, kv, block_table, pos, kv_head);
    scratch.scores[pos] = loops.dot(q.data(), key, head_dim) * scale;
  }
  Softmax(scratch.scores.first(static_cast<std::size_t>(context_length)));
  for (int d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (int pos = 0; pos < context_length; ++pos) {
    const void* value = Row(kv.values, row_bytes, kv, block_table, pos, kv_head);
    loops.axpy(scratch.scores[pos], value, out.data(), head_dim);
  }
}

}  // namespace citadel::kernels
