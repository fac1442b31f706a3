// Inner loops of the attention kernel, one set per SIMD path (scalar here in
// attention.cc, AVX2+F16C+FMA in attention_avx2.cc). AttendHead picks a set
// once per call from SelectedSimdLevel(). Internal to kernels/.
//
// Pure functions; thread-safe.
#pragma once

#include "kernels/block_formats.h"

namespace citadel::kernels::internal {

struct AttentionLoops {
  // sum_i q[i] * key[i] over n elements.
  float (*dot)(const float* q, const Half* key, int n);
  // out[i] += weight * value[i] over n elements.
  void (*axpy)(float weight, const Half* value, float* out, int n);
};

AttentionLoops ScalarAttentionLoops();
AttentionLoops Avx2AttentionLoops();  // requires AVX2, FMA and F16C

}  // namespace citadel::kernels::internal
