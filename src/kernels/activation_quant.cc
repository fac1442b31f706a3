#include "kernels/activation_quant.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "kernels/dequantize.h"
#include "kernels/fp16.h"

namespace citadel::kernels {
namespace {

// max |x| over `count` values, folding as `amax = amax > |x| ? amax : |x|`
// exactly like the reference (this decides how a NaN propagates).
float AbsMax(const float* x, int count) {
  float amax = 0.0f;
  for (int j = 0; j < count; ++j) {
    const float a = std::fabs(x[j]);
    amax = amax > a ? amax : a;
  }
  return amax;
}

// round-half-away-from-zero to int8; NaN (or an impossible out-of-range
// value) gives 0 instead of undefined behaviour.
inline std::int8_t RoundToInt8(float v) {
  const float r = std::round(v);
  return (r >= -128.0f && r <= 127.0f) ? static_cast<std::int8_t>(r) : std::int8_t{0};
}

// Round half to even for |v| < 2^22 via the float adder: adding 1.5 * 2^23
// leaves the rounded integer in the low mantissa bits. Defined for any float
// (NaN gives 0), unlike a float->int cast.
inline int NearestInt(float v) {
  const float shifted = v + 12582912.0f;
  return static_cast<int>(std::bit_cast<std::uint32_t>(shifted) & 0x007FFFFFu) - 0x00400000;
}

// Quantizes 32 values with the Q8_0 rule; returns the scale d (before F16
// rounding) and writes q.
float QuantizeQ8Block32(const float* x, std::int8_t* q) {
  const float d = AbsMax(x, kQK) / 127.0f;
  const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q[j] = RoundToInt8(x[j] * inverse);
  return d;
}

// The CPU backend's rule for 32 values: multiplier 127 / amax, ties to even.
float QuantizeQ8Block32AsCpuBackend(const float* x, std::int8_t* q) {
  const float amax = AbsMax(x, kQK);
  const float multiplier = amax != 0.0f ? 127.0f / amax : 0.0f;
  for (int j = 0; j < kQK; ++j) {
    const int v = NearestInt(x[j] * multiplier);
    q[j] = static_cast<std::int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
  return amax / 127.0f;
}

int SumQuants(const std::int8_t* q) {
  int sum = 0;
  for (int j = 0; j < kQK; ++j) sum += q[j];
  return sum;
}

}  // namespace

void QuantizeRowQ8_0AsCpuBackend(const float* src, BlockQ8_0* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    dst[b].d = F32ToF16(QuantizeQ8Block32AsCpuBackend(src, dst[b].qs));
  }
}

void QuantizeRowQ8_1AsCpuBackend(const float* src, BlockQ8_1* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    const float d = QuantizeQ8Block32AsCpuBackend(src, dst[b].qs);
    dst[b].d = F32ToF16(d);
    dst[b].s = F32ToF16(d * static_cast<float>(SumQuants(dst[b].qs)));
  }
}

void QuantizeRowQ8_0(const float* src, BlockQ8_0* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    dst[b].d = F32ToF16(QuantizeQ8Block32(src, dst[b].qs));
  }
}

void QuantizeRowQ8_1(const float* src, BlockQ8_1* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    const float d = QuantizeQ8Block32(src, dst[b].qs);
    dst[b].d = F32ToF16(d);
    dst[b].s = F32ToF16(static_cast<float>(SumQuants(dst[b].qs)) * d);
  }
}

void QuantizeRowQ8_K(const float* src, BlockQ8_K* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQKK; ++b, src += kQKK) {
    BlockQ8_K& block = dst[b];
    float amax = 0.0f;
    float max = 0.0f;  // the signed value with the largest magnitude
    for (int j = 0; j < kQKK; ++j) {
      const float a = std::fabs(src[j]);
      if (a > amax) {
        amax = a;
        max = src[j];
      }
    }
    if (amax == 0.0f) {
      block.d = 0.0f;
      std::memset(block.qs, 0, sizeof(block.qs));
      std::memset(block.bsums, 0, sizeof(block.bsums));
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQKK; ++j) {
      const int v = NearestInt(iscale * src[j]);
      block.qs[j] = static_cast<std::int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < kQKK / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += block.qs[16 * g + l];
      block.bsums[g] = static_cast<std::int16_t>(sum);
    }
    block.d = 1.0f / iscale;
  }
}

Status QuantizeActivationRow(TensorType type, const float* src, void* dst, std::int64_t n) {
  CITADEL_TRY(CheckRowLength(type, n));
  switch (type) {
    case TensorType::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
      return OkStatus();
    case TensorType::kF16:
      F32ToF16Row(src, static_cast<Half*>(dst), n);
      return OkStatus();
    case TensorType::kBF16:
      F32ToBF16Row(src, static_cast<BF16*>(dst), n);
      return OkStatus();
    case TensorType::kQ8_0:
      QuantizeRowQ8_0(src, static_cast<BlockQ8_0*>(dst), n);
      return OkStatus();
    case TensorType::kQ8_1:
      QuantizeRowQ8_1(src, static_cast<BlockQ8_1*>(dst), n);
      return OkStatus();
    case TensorType::kQ8_K:
      QuantizeRowQ8_K(src, static_cast<BlockQ8_K*>(dst), n);
      return OkStatus();
    default:
      return UnimplementedError("activation quantization to tensor type " +
                                std::string(TensorTypeName(type)) + " is not supported");
  }
}

}  // namespace citadel::kernels
