// Legacy block quantizers (blocks of 32, one F16 scale, optionally a min):
// round to nearest against the scale the block's extreme value implies.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/quantize_blocks.h"

namespace citadel::kernels::quant {
namespace {

// The value of largest magnitude in the block, with its sign.
float SignedAbsMax(const float* x) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kQK; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

struct Range {
  float min;
  float max;
};

Range BlockRange(const float* x) {
  Range r{x[0], x[0]};
  for (int j = 1; j < kQK; ++j) {
    r.min = std::fmin(r.min, x[j]);
    r.max = std::fmax(r.max, x[j]);
  }
  return r;
}

// Level of x * iscale + bias rounded half up, at most `top` (the argument is
// never below -0.5 by construction of the scale).
std::uint8_t Level(float scaled, float bias, int top) {
  int q = static_cast<int>(scaled + bias);
  return static_cast<std::uint8_t>(std::clamp(q, 0, top));
}

// Fifth bits of 32 five-bit levels as a little-endian u32 (bit j = element j).
void PackHighBits(const std::uint8_t* levels, std::uint8_t* qh) {
  std::uint32_t bits = 0;
  for (int j = 0; j < kQK; ++j) bits |= static_cast<std::uint32_t>((levels[j] >> 4) & 1u) << j;
  for (int b = 0; b < 4; ++b) qh[b] = static_cast<std::uint8_t>(bits >> (8 * b));
}

// Low nibbles: element j in the low half of qs[j], element j + 16 in the high.
void PackNibbles(const std::uint8_t* levels, std::uint8_t* qs) {
  for (int j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<std::uint8_t>((levels[j] & 0xF) | ((levels[j + kQK / 2] & 0xF) << 4));
  }
}

// Symmetric: the extreme value maps to level 0, d = max / -half_levels.
void QuantizeSymmetric(const float* x, int half_levels, Half* d_out, std::uint8_t* levels) {
  float max = SignedAbsMax(x);
  float d = max / -static_cast<float>(half_levels);
  float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = F32ToF16(d);
  for (int j = 0; j < kQK; ++j) {
    levels[j] = Level(x[j] * id, static_cast<float>(half_levels) + 0.5f, 2 * half_levels - 1);
  }
}

// Asymmetric: min maps to level 0 and max to the top level.
void QuantizeWithMin(const float* x, int top, Half* d_out, Half* m_out, std::uint8_t* levels) {
  Range r = BlockRange(x);
  float d = (r.max - r.min) / static_cast<float>(top);
  float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = F32ToF16(d);
  *m_out = F32ToF16(r.min);
  for (int j = 0; j < kQK; ++j) levels[j] = Level((x[j] - r.min) * id, 0.5f, top);
}

}  // namespace

void QuantizeRowQ4_0(const float* x, BlockQ4_0* y, std::int64_t n) {
  std::uint8_t levels[kQK];
  for (std::int64_t b = 0; b < n / kQK; ++b) {
    QuantizeSymmetric(x + b * kQK, 8, &y[b].d, levels);
    PackNibbles(levels, y[b].qs);
  }
}

void QuantizeRowQ4_1(const float* x, BlockQ4_1* y, std::int64_t n) {
  std::uint8_t levels[kQK];
  for (std::int64_t b = 0; b < n / kQK; ++b) {
    QuantizeWithMin(x + b * kQK, 15, &y[b].d, &y[b].m, levels);
    PackNibbles(levels, y[b].qs);
  }
}

void QuantizeRowQ5_0(const float* x, BlockQ5_0* y, std::int64_t n) {
  std::uint8_t levels[kQK];
  for (std::int64_t b = 0; b < n / kQK; ++b) {
    QuantizeSymmetric(x + b * kQK, 16, &y[b].d, levels);
    PackNibbles(levels, y[b].qs);
    PackHighBits(levels, y[b].qh);
  }
}

void QuantizeRowQ5_1(const float* x, BlockQ5_1* y, std::int64_t n) {
  std::uint8_t levels[kQK];
  for (std::int64_t b = 0; b < n / kQK; ++b) {
    QuantizeWithMin(x + b * kQK, 31, &y[b].d, &y[b].m, levels);
    PackNibbles(levels, y[b].qs);
    PackHighBits(levels, y[b].qh);
  }
}

}  // namespace citadel::kernels::quant
