// Scalar reference dot products (see vec_dot.h for the per-block forms).
#include <cstdint>
#include <cstring>
#include <string>

#include "kernels/dequantize.h"
#include "kernels/fp16.h"
#include "kernels/vec_dot.h"

namespace citadel::kernels {
namespace {

// Σ x[i] * y[i] over `count` int8 pairs (exact in int32).
inline std::int32_t Int8Dot(const std::int8_t* x, const std::int8_t* y, int count) {
  std::int32_t sum = 0;
  for (int i = 0; i < count; ++i) sum += x[i] * y[i];
  return sum;
}

// Σ over blocks of per_block(w[b], a[b]), accumulated in block order.
template <typename W, typename A, typename PerBlock>
float RowDot(std::int64_t n, std::int64_t block_elements, const void* weight_row,
             const void* act_row, PerBlock per_block) {
  const W* w = static_cast<const W*>(weight_row);
  const A* a = static_cast<const A*>(act_row);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / block_elements; ++b) sum += per_block(w[b], a[b]);
  return sum;
}

float DotQ4_0(std::int64_t n, const void* w, const void* a) {
  return RowDot<BlockQ4_0, BlockQ8_0>(n, kQK, w, a, [](const BlockQ4_0& x, const BlockQ8_0& y) {
    return (F16ToF32(x.d) * F16ToF32(y.d)) * static_cast<float>(BlockDotQ4_0(x, y));
  });
}

float DotQ4_1(std::int64_t n, const void* w, const void* a) {
  return RowDot<BlockQ4_1, BlockQ8_1>(n, kQK, w, a, [](const BlockQ4_1& x, const BlockQ8_1& y) {
    return (F16ToF32(x.d) * F16ToF32(y.d)) * static_cast<float>(BlockDotQ4_1(x, y)) +
           F16ToF32(x.m) * F16ToF32(y.s);
  });
}

float DotQ5_0(std::int64_t n, const void* w, const void* a) {
  return RowDot<BlockQ5_0, BlockQ8_0>(n, kQK, w, a, [](const BlockQ5_0& x, const BlockQ8_0& y) {
    return (F16ToF32(x.d) * F16ToF32(y.d)) * static_cast<float>(BlockDotQ5_0(x, y));
  });
}

float DotQ5_1(std::int64_t n, const void* w, const void* a) {
  return RowDot<BlockQ5_1, BlockQ8_1>(n, kQK, w, a, [](const BlockQ5_1& x, const BlockQ8_1& y) {
    return (F16ToF32(x.d) * F16ToF32(y.d)) * static_cast<float>(BlockDotQ5_1(x, y)) +
           F16ToF32(x.m) * F16ToF32(y.s);
  });
}

float DotQ8_0(std::int64_t n, const void* w, const void* a) {
  return RowDot<BlockQ8_0, BlockQ8_0>(n, kQK, w, a, [](const BlockQ8_0& x, const BlockQ8_0& y) {
    return (F16ToF32(x.d) * F16ToF32(y.d)) * static_cast<float>(BlockDotQ8_0(x, y));
  });
}

// K-quants with mins: (dw * da) * scaled - (dminw * da) * mins.
template <typename W, KBlockSums (*kBlockDot)(const W&, const BlockQ8_K&)>
float DotKWithMins(std::int64_t n, const void* w, const void* a) {
  return RowDot<W, BlockQ8_K>(n, kQKK, w, a, [](const W& x, const BlockQ8_K& y) {
    const KBlockSums s = kBlockDot(x, y);
    const float d = F16ToF32(x.d) * y.d;
    const float dmin = F16ToF32(x.dmin) * y.d;
    return d * static_cast<float>(s.scaled) - dmin * static_cast<float>(s.mins);
  });
}

// K-quants without mins: (dw * da) * scaled.
template <typename W, KBlockSums (*kBlockDot)(const W&, const BlockQ8_K&)>
float DotKNoMins(std::int64_t n, const void* w, const void* a) {
  return RowDot<W, BlockQ8_K>(n, kQKK, w, a, [](const W& x, const BlockQ8_K& y) {
    return (F16ToF32(x.d) * y.d) * static_cast<float>(kBlockDot(x, y).scaled);
  });
}

float DotF32(std::int64_t n, const void* w, const void* a) {
  const float* x = static_cast<const float*>(w);
  const float* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float DotF16(std::int64_t n, const void* w, const void* a) {
  const Half* x = static_cast<const Half*>(w);
  const Half* y = static_cast<const Half*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += F16ToF32(x[i]) * F16ToF32(y[i]);
  return sum;
}

float DotBF16(std::int64_t n, const void* w, const void* a) {
  const BF16* x = static_cast<const BF16*>(w);
  const BF16* y = static_cast<const BF16*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += BF16ToF32(x[i]) * BF16ToF32(y[i]);
  return sum;
}

}  // namespace

std::int32_t BlockDotQ4_0(const BlockQ4_0& w, const BlockQ8_0& a) {
  std::int8_t q[kQK];
  for (int j = 0; j < kQK / 2; ++j) {
    q[j] = static_cast<std::int8_t>((w.qs[j] & 0xF) - 8);
    q[j + kQK / 2] = static_cast<std::int8_t>((w.qs[j] >> 4) - 8);
  }
  return Int8Dot(q, a.qs, kQK);
}

std::int32_t BlockDotQ4_1(const BlockQ4_1& w, const BlockQ8_1& a) {
  std::int8_t q[kQK];
  for (int j = 0; j < kQK / 2; ++j) {
    q[j] = static_cast<std::int8_t>(w.qs[j] & 0xF);
    q[j + kQK / 2] = static_cast<std::int8_t>(w.qs[j] >> 4);
  }
  return Int8Dot(q, a.qs, kQK);
}

std::int32_t BlockDotQ5_0(const BlockQ5_0& w, const BlockQ8_0& a) {
  std::uint32_t qh;
  std::memcpy(&qh, w.qh, sizeof(qh));
  std::int8_t q[kQK];
  for (int j = 0; j < kQK / 2; ++j) {
    q[j] = static_cast<std::int8_t>(((w.qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - 16);
    q[j + kQK / 2] =
        static_cast<std::int8_t>(((w.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16);
  }
  return Int8Dot(q, a.qs, kQK);
}

std::int32_t BlockDotQ5_1(const BlockQ5_1& w, const BlockQ8_1& a) {
  std::uint32_t qh;
  std::memcpy(&qh, w.qh, sizeof(qh));
  std::int8_t q[kQK];
  for (int j = 0; j < kQK / 2; ++j) {
    q[j] = static_cast<std::int8_t>((w.qs[j] & 0xF) | (((qh >> j) & 1) << 4));
    q[j + kQK / 2] = static_cast<std::int8_t>((w.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
  }
  return Int8Dot(q, a.qs, kQK);
}

std::int32_t BlockDotQ8_0(const BlockQ8_0& w, const BlockQ8_0& a) {
  return Int8Dot(w.qs, a.qs, kQK);
}

KBlockSums BlockDotQ2_K(const BlockQ2_K& w, const BlockQ8_K& a) {
  std::int8_t q[kQKK];
  UnpackQuantsQ2_K(w, q);
  KBlockSums sums{0, 0};
  for (int sub = 0; sub < 16; ++sub) {
    sums.scaled += (w.scales[sub] & 0xF) * Int8Dot(q + 16 * sub, a.qs + 16 * sub, 16);
    sums.mins += (w.scales[sub] >> 4) * a.bsums[sub];
  }
  return sums;
}

KBlockSums BlockDotQ3_K(const BlockQ3_K& w, const BlockQ8_K& a) {
  std::int8_t q[kQKK];
  std::int8_t scales[16];
  UnpackQuantsQ3_K(w, q);
  UnpackScalesQ3K(w.scales, scales);
  KBlockSums sums{0, 0};
  for (int sub = 0; sub < 16; ++sub) {
    sums.scaled += scales[sub] * Int8Dot(q + 16 * sub, a.qs + 16 * sub, 16);
  }
  return sums;
}

// Q4_K and Q5_K, from unpacked quants.
template <typename Block>
KBlockSums KWithMinsDot(const Block& w, const std::int8_t* q, const BlockQ8_K& a) {
  KBlockSums sums{0, 0};
  for (int sub = 0; sub < 8; ++sub) {
    std::uint8_t sc;
    std::uint8_t m;
    UnpackScaleMinK4(sub, w.scales, &sc, &m);
    sums.scaled += sc * Int8Dot(q + 32 * sub, a.qs + 32 * sub, 32);
    sums.mins += m * (a.bsums[2 * sub] + a.bsums[2 * sub + 1]);
  }
  return sums;
}

KBlockSums BlockDotQ4_K(const BlockQ4_K& w, const BlockQ8_K& a) {
  std::int8_t q[kQKK];
  UnpackQuantsQ4_K(w, q);
  return KWithMinsDot(w, q, a);
}

KBlockSums BlockDotQ5_K(const BlockQ5_K& w, const BlockQ8_K& a) {
  std::int8_t q[kQKK];
  UnpackQuantsQ5_K(w, q);
  return KWithMinsDot(w, q, a);
}

KBlockSums BlockDotQ6_K(const BlockQ6_K& w, const BlockQ8_K& a) {
  std::int8_t q[kQKK];
  UnpackQuantsQ6_K(w, q);
  KBlockSums sums{0, 0};
  for (int sub = 0; sub < 16; ++sub) {
    sums.scaled += w.scales[sub] * Int8Dot(q + 16 * sub, a.qs + 16 * sub, 16);
  }
  return sums;
}

VecDotKind ScalarVecDot(TensorType weight_type) {
  switch (weight_type) {
    case TensorType::kF32:
      return {TensorType::kF32, DotF32};
    case TensorType::kF16:
      return {TensorType::kF16, DotF16};
    case TensorType::kBF16:
      return {TensorType::kBF16, DotBF16};
    case TensorType::kQ4_0:
      return {TensorType::kQ8_0, DotQ4_0};
    case TensorType::kQ4_1:
      return {TensorType::kQ8_1, DotQ4_1};
    case TensorType::kQ5_0:
      return {TensorType::kQ8_0, DotQ5_0};
    case TensorType::kQ5_1:
      return {TensorType::kQ8_1, DotQ5_1};
    case TensorType::kQ8_0:
      return {TensorType::kQ8_0, DotQ8_0};
    case TensorType::kQ2_K:
      return {TensorType::kQ8_K, DotKWithMins<BlockQ2_K, BlockDotQ2_K>};
    case TensorType::kQ3_K:
      return {TensorType::kQ8_K, DotKNoMins<BlockQ3_K, BlockDotQ3_K>};
    case TensorType::kQ4_K:
      return {TensorType::kQ8_K, DotKWithMins<BlockQ4_K, BlockDotQ4_K>};
    case TensorType::kQ5_K:
      return {TensorType::kQ8_K, DotKWithMins<BlockQ5_K, BlockDotQ5_K>};
    case TensorType::kQ6_K:
      return {TensorType::kQ8_K, DotKNoMins<BlockQ6_K, BlockDotQ6_K>};
    default:
      return {TensorType::kF32, nullptr};
  }
}

Status CheckVecDotLength(TensorType weight_type, std::int64_t n) {
  CITADEL_TRY(CheckRowLength(weight_type, n));
  if (ScalarVecDot(weight_type).fn == nullptr) {
    return UnimplementedError("no dot product for weight type " +
                              std::string(TensorTypeName(weight_type)));
  }
  return OkStatus();
}

}  // namespace citadel::kernels
