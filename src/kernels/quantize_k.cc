// K-quant row quantizers: per super-block of 256, fit each sub-block with a
// search from quantize_search.h, quantize the fitted scales (and mins)
// against one F16 super-scale, then re-round every value against the scales
// as they will be stored, so the levels match what dequantization sees.
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/quantize_blocks.h"
#include "kernels/quantize_search.h"

namespace citadel::kernels::quant {
namespace {

constexpr int kSuper = kQKK;  // 256 elements per super-block

// Packs 2-bit levels: byte l of each 32-byte chunk holds elements
// l, l+32, l+64, l+96 of the chunk's 128 elements (Q2_K and Q3_K `qs`).
void PackTwoBitLevels(const std::uint8_t* levels, std::uint8_t* qs) {
  for (int half = 0; half < kSuper; half += 128) {
    for (int l = 0; l < 32; ++l) {
      const std::uint8_t* v = levels + half + l;
      qs[half / 4 + l] =
          static_cast<std::uint8_t>(v[0] | (v[32] << 2) | (v[64] << 4) | (v[96] << 6));
    }
  }
}

// 8 six-bit scales and 8 six-bit mins in 12 bytes (Q4_K and Q5_K): entries
// 0-3 in the low 6 bits of bytes 0-3 (scales) and 4-7 (mins); entries 4-7
// keep their low nibbles in bytes 8-11 and their top 2 bits in the high
// bits of bytes 0-3 (scales) and 4-7 (mins).
void PackScaleMin6(const std::uint8_t* scales, const std::uint8_t* mins, std::uint8_t* packed) {
  for (int j = 0; j < 8; ++j) {
    std::uint8_t ls = scales[j];
    std::uint8_t lm = mins[j];
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = static_cast<std::uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
      packed[j - 4] |= static_cast<std::uint8_t>((ls >> 4) << 6);
      packed[j] |= static_cast<std::uint8_t>((lm >> 4) << 6);
    }
  }
}

void UnpackScaleMin6(const std::uint8_t* packed, int j, int* scale, int* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = (packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4);
    *min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

// Sub-block scales and mins of one Q4_K/Q5_K super-block (8 sub-blocks of 32).
struct AsymmetricFit {
  float scales[8];
  float mins[8];
  float max_scale = 0.0f;
  float max_min = 0.0f;
};

// Fits the 8 sub-blocks of 32 with weights sqrt(mean x²) + |x|.
AsymmetricFit FitSubBlocksOf32(const float* x, int nmax, const ScaleGrid& grid,
                               std::uint8_t* levels) {
  AsymmetricFit fit;
  float weights[32];
  for (int j = 0; j < 8; ++j) {
    const float* group = x + 32 * j;
    float sum_x2 = 0.0f;
    for (int l = 0; l < 32; ++l) sum_x2 += group[l] * group[l];
    float rms = std::sqrt(sum_x2 / 32.0f);
    for (int l = 0; l < 32; ++l) weights[l] = rms + std::fabs(group[l]);
    ScaleAndMin sm = FitLevelsWithMin(group, weights, 32, nmax, grid, false, levels + 32 * j);
    fit.scales[j] = sm.scale;
    fit.mins[j] = sm.min;
    fit.max_scale = std::fmax(fit.max_scale, sm.scale);
    fit.max_min = std::fmax(fit.max_min, sm.min);
  }
  return fit;
}

// Quantizes the fit's scales/mins to 6 bits into `packed`, stores the super
// scales, and re-rounds the 256 levels (0..nmax) against the stored values.
void StoreAsymmetric6(const float* x, const AsymmetricFit& fit, int nmax, Half* d, Half* dmin,
                      std::uint8_t* packed, std::uint8_t* levels) {
  float inv_scale = fit.max_scale > 0.0f ? 63.0f / fit.max_scale : 0.0f;
  float inv_min = fit.max_min > 0.0f ? 63.0f / fit.max_min : 0.0f;
  std::uint8_t ls[8];
  std::uint8_t lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = static_cast<std::uint8_t>(ClampInt(RoundToInt(inv_scale * fit.scales[j]), 0, 63));
    lm[j] = static_cast<std::uint8_t>(ClampInt(RoundToInt(inv_min * fit.mins[j]), 0, 63));
  }
  std::memset(packed, 0, kKScaleSize);
  PackScaleMin6(ls, lm, packed);
  *d = F32ToF16(fit.max_scale / 63.0f);
  *dmin = F32ToF16(fit.max_min / 63.0f);
  float d_stored = F16ToF32(*d);
  float dmin_stored = F16ToF32(*dmin);
  for (int j = 0; j < 8; ++j) {
    int sc = 0;
    int m = 0;
    UnpackScaleMin6(packed, j, &sc, &m);
    float step = d_stored * static_cast<float>(sc);
    if (step == 0.0f) continue;
    float offset = dmin_stored * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) {
      int q = RoundToInt((x[32 * j + l] + offset) / step);
      levels[32 * j + l] = static_cast<std::uint8_t>(ClampInt(q, 0, nmax));
    }
  }
}

void QuantizeBlockQ2_K(const float* x, BlockQ2_K* y) {
  std::uint8_t levels[kSuper];
  float scales[16];
  float mins[16];
  float weights[16];
  float max_scale = 0.0f;
  float max_min = 0.0f;
  const ScaleGrid grid{-0.5f, 0.1f, 15};
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
    ScaleAndMin sm = FitLevelsWithMin(x + 16 * j, weights, 16, 3, grid, true, levels + 16 * j);
    scales[j] = sm.scale;
    mins[j] = sm.min;
    max_scale = std::fmax(max_scale, sm.scale);
    max_min = std::fmax(max_min, sm.min);
  }
  // Sub-block scales in the low nibble, mins in the high nibble.
  for (int j = 0; j < 16; ++j) {
    int ls = max_scale > 0.0f ? ClampInt(RoundToInt(15.0f / max_scale * scales[j]), 0, 15) : 0;
    int lm = max_min > 0.0f ? ClampInt(RoundToInt(15.0f / max_min * mins[j]), 0, 15) : 0;
    y->scales[j] = static_cast<std::uint8_t>(ls | (lm << 4));
  }
  y->d = F32ToF16(max_scale > 0.0f ? max_scale / 15.0f : 0.0f);
  y->dmin = F32ToF16(max_min > 0.0f ? max_min / 15.0f : 0.0f);
  float d_stored = F16ToF32(y->d);
  float dmin_stored = F16ToF32(y->dmin);
  for (int j = 0; j < 16; ++j) {
    float step = d_stored * static_cast<float>(y->scales[j] & 0xF);
    if (step == 0.0f) continue;
    float offset = dmin_stored * static_cast<float>(y->scales[j] >> 4);
    for (int l = 0; l < 16; ++l) {
      int q = RoundToInt((x[16 * j + l] + offset) / step);
      levels[16 * j + l] = static_cast<std::uint8_t>(ClampInt(q, 0, 3));
    }
  }
  PackTwoBitLevels(levels, y->qs);
}

// Q3_K scales: 16 six-bit values (stored biased by 32); low nibbles in bytes
// 0-7 (sub-blocks 0-7 low nibble, 8-15 high nibble), top 2 bits in bytes
// 8-11 (byte 8 + j % 4, bit pair j / 4).
void PackQ3Scales(const int* biased, std::uint8_t* packed) {
  std::memset(packed, 0, 12);
  for (int j = 0; j < 16; ++j) {
    int l = biased[j];
    if (j < 8) {
      packed[j] = static_cast<std::uint8_t>(l & 0xF);
    } else {
      packed[j - 8] |= static_cast<std::uint8_t>((l & 0xF) << 4);
    }
    packed[8 + j % 4] |= static_cast<std::uint8_t>((l >> 4) << (2 * (j / 4)));
  }
}

int UnpackQ3Scale(const std::uint8_t* packed, int j) {
  int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
  int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

void QuantizeBlockQ3_K(const float* x, BlockQ3_K* y) {
  std::uint8_t levels[kSuper];
  float scales[16];
  float max_scale = 0.0f;  // the signed scale of largest magnitude
  for (int j = 0; j < 16; ++j) {
    scales[j] = FitSignedLevelsRefined(x + 16 * j, 16, 4, levels + 16 * j);
    if (std::fabs(scales[j]) > std::fabs(max_scale)) max_scale = scales[j];
  }
  int biased[16] = {};
  if (max_scale != 0.0f) {
    float iscale = -32.0f / max_scale;
    for (int j = 0; j < 16; ++j) biased[j] = ClampInt(RoundToInt(iscale * scales[j]), -32, 31) + 32;
    y->d = F32ToF16(1.0f / iscale);
  } else {
    for (int j = 0; j < 16; ++j) biased[j] = 32;
    y->d = F32ToF16(0.0f);
  }
  PackQ3Scales(biased, y->scales);
  if (max_scale == 0.0f) std::memset(y->scales, 0, 12);
  float d_stored = F16ToF32(y->d);
  for (int j = 0; j < 16; ++j) {
    float step = d_stored * static_cast<float>(UnpackQ3Scale(y->scales, j));
    if (step == 0.0f) continue;
    for (int l = 0; l < 16; ++l) {
      int q = ClampInt(RoundToInt(x[16 * j + l] / step), -4, 3);
      levels[16 * j + l] = static_cast<std::uint8_t>(q + 4);
    }
  }
  // The high bit of element j goes to bit j / 32 of hmask[j % 32].
  std::memset(y->hmask, 0, sizeof(y->hmask));
  for (int j = 0; j < kSuper; ++j) {
    if (levels[j] > 3) {
      y->hmask[j % 32] |= static_cast<std::uint8_t>(1u << (j / 32));
      levels[j] -= 4;
    }
  }
  PackTwoBitLevels(levels, y->qs);
}

void QuantizeBlockQ4_K(const float* x, BlockQ4_K* y) {
  std::uint8_t levels[kSuper];
  AsymmetricFit fit = FitSubBlocksOf32(x, 15, ScaleGrid{-1.0f, 0.1f, 20}, levels);
  StoreAsymmetric6(x, fit, 15, &y->d, &y->dmin, y->scales, levels);
  // Each 32-byte chunk holds 64 elements: j in the low nibble, j + 32 in the high.
  for (int chunk = 0; chunk < 4; ++chunk) {
    const std::uint8_t* v = levels + 64 * chunk;
    for (int l = 0; l < 32; ++l)
      y->qs[32 * chunk + l] = static_cast<std::uint8_t>(v[l] | (v[l + 32] << 4));
  }
}

void QuantizeBlockQ5_K(const float* x, BlockQ5_K* y) {
  std::uint8_t levels[kSuper];
  AsymmetricFit fit = FitSubBlocksOf32(x, 31, ScaleGrid{-0.5f, 0.1f, 15}, levels);
  StoreAsymmetric6(x, fit, 31, &y->d, &y->dmin, y->scales, levels);
  // Low nibbles as Q4_K; the fifth bit of chunk c's elements l and l + 32
  // goes to bits 2c and 2c + 1 of qh[l].
  std::memset(y->qh, 0, sizeof(y->qh));
  for (int chunk = 0; chunk < 4; ++chunk) {
    const std::uint8_t* v = levels + 64 * chunk;
    for (int l = 0; l < 32; ++l) {
      int lo = v[l];
      int hi = v[l + 32];
      y->qh[l] |=
          static_cast<std::uint8_t>(((lo >> 4) << (2 * chunk)) | ((hi >> 4) << (2 * chunk + 1)));
      y->qs[32 * chunk + l] = static_cast<std::uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
    }
  }
}

void QuantizeBlockQ6_K(const float* x, BlockQ6_K* y) {
  std::uint8_t levels[kSuper];
  float scales[16];
  float max_scale = 0.0f;  // the signed scale of largest magnitude
  for (int j = 0; j < 16; ++j) {
    scales[j] = FitSignedLevels(x + 16 * j, 16, 32, levels + 16 * j);
    if (std::fabs(scales[j]) > std::fabs(max_scale)) max_scale = scales[j];
  }
  if (std::fabs(max_scale) < kGroupMaxEps) {
    std::memset(y, 0, sizeof(*y));
    return;
  }
  float iscale = -128.0f / max_scale;
  y->d = F32ToF16(1.0f / iscale);
  for (int j = 0; j < 16; ++j) {
    y->scales[j] = static_cast<std::int8_t>(ClampInt(RoundToInt(iscale * scales[j]), -128, 127));
  }
  float d_stored = F16ToF32(y->d);
  for (int j = 0; j < 16; ++j) {
    float step = d_stored * static_cast<float>(y->scales[j]);
    if (step == 0.0f) continue;
    for (int l = 0; l < 16; ++l) {
      int q = ClampInt(RoundToInt(x[16 * j + l] / step), -32, 31);
      levels[16 * j + l] = static_cast<std::uint8_t>(q + 32);
    }
  }
  // Per half of 128: ql[l] = low nibbles of l and l + 64, ql[l + 32] = of
  // l + 32 and l + 96; qh[l] = the top 2 bits of l, l + 32, l + 64, l + 96.
  for (int half = 0; half < 2; ++half) {
    const std::uint8_t* v = levels + 128 * half;
    std::uint8_t* ql = y->ql + 64 * half;
    std::uint8_t* qh = y->qh + 32 * half;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<std::uint8_t>((v[l] & 0xF) | ((v[l + 64] & 0xF) << 4));
      ql[l + 32] = static_cast<std::uint8_t>((v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4));
      qh[l] = static_cast<std::uint8_t>((v[l] >> 4) | ((v[l + 32] >> 4) << 2) |
                                        ((v[l + 64] >> 4) << 4) | ((v[l + 96] >> 4) << 6));
    }
  }
}

}  // namespace

void QuantizeRowQ2_K(const float* x, BlockQ2_K* y, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kSuper; ++b) QuantizeBlockQ2_K(x + b * kSuper, y + b);
}

void QuantizeRowQ3_K(const float* x, BlockQ3_K* y, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kSuper; ++b) QuantizeBlockQ3_K(x + b * kSuper, y + b);
}

void QuantizeRowQ4_K(const float* x, BlockQ4_K* y, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kSuper; ++b) QuantizeBlockQ4_K(x + b * kSuper, y + b);
}

void QuantizeRowQ5_K(const float* x, BlockQ5_K* y, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kSuper; ++b) QuantizeBlockQ5_K(x + b * kSuper, y + b);
}

void QuantizeRowQ6_K(const float* x, BlockQ6_K* y, std::int64_t n) {
  for (std::int64_t b = 0; b < n / kSuper; ++b) QuantizeBlockQ6_K(x + b * kSuper, y + b);
}

}  // namespace citadel::kernels::quant
