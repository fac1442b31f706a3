#include "kernels/dequantize.h"

#include <cstring>
#include <optional>
#include <string>

#include "kernels/fp16.h"

namespace citadel::kernels {
namespace {

// Bit 4 of element j (0..31) of a Q5_0/Q5_1 block, as 0 or 16.
inline int Q5HighBit(std::uint32_t qh, int j) {
  return static_cast<int>((qh >> j) & 1u) << 4;
}

inline std::uint32_t LoadU32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace

Status CheckRowLength(TensorType type, std::int64_t n) {
  const std::uint32_t type_id = static_cast<std::uint32_t>(type);
  const std::optional<TensorTypeTraits> found = LookupTensorType(type_id);
  if (!found.has_value()) {
    return InvalidArgumentError("unknown tensor type id " + std::to_string(type_id));
  }
  const TensorTypeTraits traits = *found;
  if (n < 0 || n % traits.block_elements != 0) {
    return InvalidArgumentError("row of " + std::to_string(n) + " " + std::string(traits.name) +
                                " elements is not a whole number of " +
                                std::to_string(traits.block_elements) + "-element blocks");
  }
  return OkStatus();
}

void DequantizeRowQ4_0(const BlockQ4_0* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(src[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = static_cast<float>((src[b].qs[j] & 0xF) - 8) * d;
      dst[j + kQK / 2] = static_cast<float>((src[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void DequantizeRowQ4_1(const BlockQ4_1* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(src[b].d);
    const float m = F16ToF32(src[b].m);
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = static_cast<float>(src[b].qs[j] & 0xF) * d + m;
      dst[j + kQK / 2] = static_cast<float>(src[b].qs[j] >> 4) * d + m;
    }
  }
}

void DequantizeRowQ5_0(const BlockQ5_0* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(src[b].d);
    const std::uint32_t qh = LoadU32(src[b].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = ((src[b].qs[j] & 0xF) | Q5HighBit(qh, j)) - 16;
      const int q1 = ((src[b].qs[j] >> 4) | Q5HighBit(qh, j + kQK / 2)) - 16;
      dst[j] = static_cast<float>(q0) * d;
      dst[j + kQK / 2] = static_cast<float>(q1) * d;
    }
  }
}

void DequantizeRowQ5_1(const BlockQ5_1* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(src[b].d);
    const float m = F16ToF32(src[b].m);
    const std::uint32_t qh = LoadU32(src[b].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = (src[b].qs[j] & 0xF) | Q5HighBit(qh, j);
      const int q1 = (src[b].qs[j] >> 4) | Q5HighBit(qh, j + kQK / 2);
      dst[j] = static_cast<float>(q0) * d + m;
      dst[j + kQK / 2] = static_cast<float>(q1) * d + m;
    }
  }
}

void DequantizeRowQ8_0(const BlockQ8_0* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(src[b].d);
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(src[b].qs[j]) * d;
  }
}

void DequantizeRowQ8_1(const BlockQ8_1* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(src[b].d);
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(src[b].qs[j]) * d;
  }
}

void DequantizeRowQ2_K(const BlockQ2_K* src, float* dst, std::int64_t n) {
  std::int8_t q[kQKK];
  for (std::int64_t b = 0; b < n / kQKK; ++b, dst += kQKK) {
    const BlockQ2_K& block = src[b];
    const float d = F16ToF32(block.d);
    const float dmin = F16ToF32(block.dmin);
    UnpackQuantsQ2_K(block, q);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * static_cast<float>(block.scales[sub] & 0xF);
      const float ml = dmin * static_cast<float>(block.scales[sub] >> 4);
      for (int l = 16 * sub; l < 16 * sub + 16; ++l) dst[l] = dl * static_cast<float>(q[l]) - ml;
    }
  }
}

void DequantizeRowQ3_K(const BlockQ3_K* src, float* dst, std::int64_t n) {
  std::int8_t q[kQKK];
  std::int8_t scales[16];
  for (std::int64_t b = 0; b < n / kQKK; ++b, dst += kQKK) {
    const BlockQ3_K& block = src[b];
    const float d = F16ToF32(block.d);
    UnpackScalesQ3K(block.scales, scales);
    UnpackQuantsQ3_K(block, q);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * static_cast<float>(scales[sub]);
      for (int l = 16 * sub; l < 16 * sub + 16; ++l) dst[l] = dl * static_cast<float>(q[l]);
    }
  }
}

// Q4_K and Q5_K: (d * sc) * q - (dmin * m) per 32-element sub-block.
template <typename Block>
void DequantizeKWithMins(const Block& block, const std::int8_t* q, float* dst) {
  const float d = F16ToF32(block.d);
  const float dmin = F16ToF32(block.dmin);
  for (int sub = 0; sub < 8; ++sub) {
    std::uint8_t sc;
    std::uint8_t m;
    UnpackScaleMinK4(sub, block.scales, &sc, &m);
    const float dl = d * static_cast<float>(sc);
    const float ml = dmin * static_cast<float>(m);
    for (int l = 32 * sub; l < 32 * sub + 32; ++l) dst[l] = dl * static_cast<float>(q[l]) - ml;
  }
}

void DequantizeRowQ4_K(const BlockQ4_K* src, float* dst, std::int64_t n) {
  std::int8_t q[kQKK];
  for (std::int64_t b = 0; b < n / kQKK; ++b, dst += kQKK) {
    UnpackQuantsQ4_K(src[b], q);
    DequantizeKWithMins(src[b], q, dst);
  }
}

void DequantizeRowQ5_K(const BlockQ5_K* src, float* dst, std::int64_t n) {
  std::int8_t q[kQKK];
  for (std::int64_t b = 0; b < n / kQKK; ++b, dst += kQKK) {
    UnpackQuantsQ5_K(src[b], q);
    DequantizeKWithMins(src[b], q, dst);
  }
}

void DequantizeRowQ6_K(const BlockQ6_K* src, float* dst, std::int64_t n) {
  std::int8_t q[kQKK];
  for (std::int64_t b = 0; b < n / kQKK; ++b, dst += kQKK) {
    const BlockQ6_K& block = src[b];
    const float d = F16ToF32(block.d);
    UnpackQuantsQ6_K(block, q);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * static_cast<float>(block.scales[sub]);
      for (int l = 16 * sub; l < 16 * sub + 16; ++l) dst[l] = dl * static_cast<float>(q[l]);
    }
  }
}

void DequantizeRowQ8_K(const BlockQ8_K* src, float* dst, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kQKK; ++b, dst += kQKK) {
    for (int j = 0; j < kQKK; ++j) dst[j] = src[b].d * static_cast<float>(src[b].qs[j]);
  }
}

Status DequantizeRow(TensorType type, const void* src, float* dst, std::int64_t n) {
  CITADEL_TRY(CheckRowLength(type, n));
  switch (type) {
    case TensorType::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
      return OkStatus();
    case TensorType::kF16:
      F16ToF32Row(static_cast<const Half*>(src), dst, n);
      return OkStatus();
    case TensorType::kBF16:
      BF16ToF32Row(static_cast<const BF16*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ4_0:
      DequantizeRowQ4_0(static_cast<const BlockQ4_0*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ4_1:
      DequantizeRowQ4_1(static_cast<const BlockQ4_1*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ5_0:
      DequantizeRowQ5_0(static_cast<const BlockQ5_0*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ5_1:
      DequantizeRowQ5_1(static_cast<const BlockQ5_1*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ8_0:
      DequantizeRowQ8_0(static_cast<const BlockQ8_0*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ8_1:
      DequantizeRowQ8_1(static_cast<const BlockQ8_1*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ2_K:
      DequantizeRowQ2_K(static_cast<const BlockQ2_K*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ3_K:
      DequantizeRowQ3_K(static_cast<const BlockQ3_K*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ4_K:
      DequantizeRowQ4_K(static_cast<const BlockQ4_K*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ5_K:
      DequantizeRowQ5_K(static_cast<const BlockQ5_K*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ6_K:
      DequantizeRowQ6_K(static_cast<const BlockQ6_K*>(src), dst, n);
      return OkStatus();
    case TensorType::kQ8_K:
      DequantizeRowQ8_K(static_cast<const BlockQ8_K*>(src), dst, n);
      return OkStatus();
    default:
      return UnimplementedError("dequantization of tensor type " +
                                std::string(TensorTypeName(type)) + " is not supported");
  }
}

}  // namespace citadel::kernels
