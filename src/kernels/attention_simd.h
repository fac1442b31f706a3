// Inner loops of the attention kernel, one set per SIMD path and KV element
// type (scalar here in attention.cc, AVX2+F16C+FMA in attention_avx2.cc,
// AVX-512 F/BW/VL in attention_avx512.cc).
// AttendHead picks a set once per call from SelectedSimdLevel() and the
// view's KvCacheType. Internal to kernels/.
//
// `row` points at one (position, KV head) row of n elements in the view's
// type: n halves (kF16) or n / 32 BlockQ8_0 (kQ8_0, n a multiple of 32).
//
// Pure functions; thread-safe.
#pragma once

#include "kernels/kv_cache_type.h"

namespace citadel::kernels::internal {

struct AttentionLoops {
  // sum_i q[i] * key[i] over n elements.
  float (*dot)(const float* q, const void* key, int n);
  // out[i] += weight * value[i] over n elements.
  void (*axpy)(float weight, const void* value, float* out, int n);
};

AttentionLoops ScalarAttentionLoops(KvCacheType type);
AttentionLoops Avx2AttentionLoops(KvCacheType type);    // requires AVX2, FMA and F16C
AttentionLoops Avx512AttentionLoops(KvCacheType type);  // requires SimdLevel::kAvx512

}  // namespace citadel::kernels::internal
