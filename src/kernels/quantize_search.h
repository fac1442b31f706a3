// Scale searches behind the K-quant quantizers (internal to kernels/).
//
// Each search fits one small group of values (16 or 32) to integer levels and
// a scale (and, for the asymmetric types, a min) that minimise a weighted
// error, trying a short grid of candidate scales around the naive one. The
// quantizers in quantize_k.cc then quantize the fitted scales themselves to
// 4, 6 or 8 bits and re-round every value against the stored scales.
//
// Every sum is accumulated in the reference's order and with its float
// operations (w * l * l, not w * (l * l)), so the chosen levels match the
// reference bit for bit; do not reassociate.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cmath>
#include <cstdint>

namespace citadel::kernels::quant {

// Nearest integer, ties to even (the default rounding mode). Callers pass
// finite values well inside the int range.
inline int RoundToInt(float value) {
  return static_cast<int>(std::lrintf(value));
}

inline int ClampInt(int value, int lo, int hi) {
  return value < lo ? lo : (value > hi ? hi : value);
}

// Values whose largest magnitude is below this are treated as all zero.
inline constexpr float kGroupMaxEps = 1e-15f;

// Signed levels, x[i] ≈ scale * (levels[i] - nmax) with levels[i] in
// [0, 2 * nmax - 1] (Q6_K: nmax = 32). The value of largest magnitude is
// mapped to -nmax; the error is weighted by x², and 18 inverse scales around
// the naive one are tried, each refitted by least squares.
// Returns the scale (may be negative); 0 and all levels 0 for an all-zero group.
float FitSignedLevels(const float* x, int n, int nmax, std::uint8_t* levels);

// Signed levels as above for Q3_K (nmax = 4): starts from the naive rounding
// and then moves single values to a better level while the x²-weighted
// least-squares error drops (at most 5 sweeps).
float FitSignedLevelsRefined(const float* x, int n, int nmax, std::uint8_t* levels);

// The grid of inverse scales tried by FitLevelsWithMin:
// (nmax + first_offset + step * k) / (max - min) for k = 0..steps.
struct ScaleGrid {
  float first_offset;
  float step;
  int steps;
};

// Asymmetric levels for Q2_K, Q4_K and Q5_K: x[i] ≈ scale * levels[i] - min
// with levels[i] in [0, nmax] and min >= 0 (the group's minimum is never
// above zero). For each candidate inverse scale the levels are rounded and
// scale and min refitted by weighted least squares; the candidate with the
// lowest weighted error wins (absolute error when `absolute_error`, squared
// otherwise). `weights` has n entries.
struct ScaleAndMin {
  float scale;
  float min;
};
ScaleAndMin FitLevelsWithMin(const float* x, const float* weights, int n, int nmax,
                             const ScaleGrid& grid, bool absolute_error, std::uint8_t* levels);

}  // namespace citadel::kernels::quant
