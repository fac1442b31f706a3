#include "kernels/fp16.h"

namespace citadel::kernels {

void F16ToF32Row(const Half* src, float* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = F16ToF32(src[i]);
}

void F32ToF16Row(const float* src, Half* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

void BF16ToF32Row(const BF16* src, float* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = BF16ToF32(src[i]);
}

void F32ToBF16Row(const float* src, BF16* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = F32ToBF16(src[i]);
}

}  // namespace citadel::kernels
