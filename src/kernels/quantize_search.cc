#include "kernels/quantize_search.h"

#include <cmath>

namespace citadel::kernels::quant {
namespace {

// The value of largest magnitude, with its sign (0 for an empty group).
float SignedAbsMax(const float* x, int n) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int i = 0; i < n; ++i) {
    float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  return max;
}

// Weighted sums of a rounding at inverse scale `iscale`: sum w*x*l and sum w*l².
struct LevelSums {
  float xl = 0.0f;
  float ll = 0.0f;
};

LevelSums SumsAt(const float* x, int n, int nmax, float iscale) {
  LevelSums sums;
  for (int i = 0; i < n; ++i) {
    int l = ClampInt(RoundToInt(iscale * x[i]), -nmax, nmax - 1);
    float w = x[i] * x[i];
    sums.xl += w * x[i] * static_cast<float>(l);
    sums.ll += w * static_cast<float>(l) * static_cast<float>(l);
  }
  return sums;
}

void StoreLevels(const float* x, int n, int nmax, float iscale, std::uint8_t* levels) {
  for (int i = 0; i < n; ++i) {
    levels[i] =
        static_cast<std::uint8_t>(nmax + ClampInt(RoundToInt(iscale * x[i]), -nmax, nmax - 1));
  }
}

}  // namespace

float FitSignedLevels(const float* x, int n, int nmax, std::uint8_t* levels) {
  float max = SignedAbsMax(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) levels[i] = 0;
    return 0.0f;
  }
  float best_iscale = -static_cast<float>(nmax) / max;
  LevelSums sums = SumsAt(x, n, nmax, best_iscale);
  float scale = sums.ll > 0.0f ? sums.xl / sums.ll : 0.0f;
  // Maximising xl²/ll minimises the x²-weighted squared error of the best scale.
  float best = scale * sums.xl;
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    float iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(step)) / max;
    LevelSums candidate = SumsAt(x, n, nmax, iscale);
    if (candidate.ll > 0.0f && candidate.xl * candidate.xl > best * candidate.ll) {
      best_iscale = iscale;
      scale = candidate.xl / candidate.ll;
      best = scale * candidate.xl;
    }
  }
  StoreLevels(x, n, nmax, best_iscale, levels);
  return scale;
}

float FitSignedLevelsRefined(const float* x, int n, int nmax, std::uint8_t* levels) {
  float max = SignedAbsMax(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) levels[i] = 0;
    return 0.0f;
  }
  constexpr int kMaxGroup = 32;
  int signed_levels[kMaxGroup];
  float iscale = -static_cast<float>(nmax) / max;
  float sum_xl = 0.0f;
  float sum_ll = 0.0f;
  for (int i = 0; i < n; ++i) {
    int l = ClampInt(RoundToInt(iscale * x[i]), -nmax, nmax - 1);
    signed_levels[i] = l;
    float w = x[i] * x[i];
    sum_xl += w * x[i] * static_cast<float>(l);
    sum_ll += w * static_cast<float>(l) * static_cast<float>(l);
  }
  for (int sweep = 0; sweep < 5; ++sweep) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      float w = x[i] * x[i];
      float l_old = static_cast<float>(signed_levels[i]);
      float xl_without = sum_xl - w * x[i] * l_old;
      if (xl_without <= 0.0f) continue;
      float ll_without = sum_ll - w * l_old * l_old;
      // The level that best fits x[i] under the scale fitted to the others.
      int l_new = ClampInt(RoundToInt(x[i] * ll_without / xl_without), -nmax, nmax - 1);
      if (l_new == signed_levels[i]) continue;
      float xl_with = xl_without + w * x[i] * static_cast<float>(l_new);
      float ll_with = ll_without + w * static_cast<float>(l_new) * static_cast<float>(l_new);
      if (ll_with > 0.0f && xl_with * xl_with * sum_ll > sum_xl * sum_xl * ll_with) {
        signed_levels[i] = l_new;
        sum_xl = xl_with;
        sum_ll = ll_with;
        ++changed;
      }
    }
    if (changed == 0) break;
  }
  for (int i = 0; i < n; ++i) levels[i] = static_cast<std::uint8_t>(signed_levels[i] + nmax);
  return sum_ll > 0.0f ? sum_xl / sum_ll : 0.0f;
}

namespace {

float WeightedError(const float* x, const float* weights, int n, const std::uint8_t* levels,
                    float scale, float offset, bool absolute_error) {
  float error = 0.0f;
  for (int i = 0; i < n; ++i) {
    float diff = scale * static_cast<float>(levels[i]) + offset - x[i];
    error += weights[i] * (absolute_error ? std::fabs(diff) : diff * diff);
  }
  return error;
}

}  // namespace

ScaleAndMin FitLevelsWithMin(const float* x, const float* weights, int n, int nmax,
                             const ScaleGrid& grid, bool absolute_error, std::uint8_t* levels) {
  float min = x[0];
  float max = x[0];
  float sum_w = 0.0f;
  float sum_x = 0.0f;
  for (int i = 0; i < n; ++i) {
    min = std::fmin(min, x[i]);
    max = std::fmax(max, x[i]);
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0.0f) min = 0.0f;  // `offset` below is min: never above zero
  if (max == min) {
    for (int i = 0; i < n; ++i) levels[i] = 0;
    return {0.0f, -min};
  }
  float range = max - min;
  float naive_iscale = static_cast<float>(nmax) / range;
  float scale = 1.0f / naive_iscale;
  float offset = min;
  for (int i = 0; i < n; ++i) {
    levels[i] =
        static_cast<std::uint8_t>(ClampInt(RoundToInt(naive_iscale * (x[i] - min)), 0, nmax));
  }
  float best_error = WeightedError(x, weights, n, levels, scale, offset, absolute_error);

  constexpr int kMaxGroup = 32;
  std::uint8_t candidate[kMaxGroup];
  // As in the reference, each candidate is rounded from the best offset found
  // so far (not the group minimum), so an accepted refit steers later ones.
  for (int k = 0; k <= grid.steps; ++k) {
    float iscale =
        (grid.first_offset + grid.step * static_cast<float>(k) + static_cast<float>(nmax)) /
        (max - offset);
    float sum_l = 0.0f;
    float sum_l2 = 0.0f;
    float sum_xl = 0.0f;
    for (int i = 0; i < n; ++i) {
      int l = ClampInt(RoundToInt(iscale * (x[i] - offset)), 0, nmax);
      candidate[i] = static_cast<std::uint8_t>(l);
      float w = weights[i];
      sum_l += w * static_cast<float>(l);
      sum_l2 += w * static_cast<float>(l) * static_cast<float>(l);
      sum_xl += w * static_cast<float>(l) * x[i];
    }
    float det = sum_w * sum_l2 - sum_l * sum_l;
    if (det <= 0.0f) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_offset = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_offset > 0.0f) {  // keep the zero point at or below zero
      this_offset = 0.0f;
      this_scale = sum_xl / sum_l2;
    }
    float error = WeightedError(x, weights, n, candidate, this_scale, this_offset, absolute_error);
    if (error < best_error) {
      for (int i = 0; i < n; ++i) levels[i] = candidate[i];
      best_error = error;
      scale = this_scale;
      offset = this_offset;
    }
  }
  return {scale, -offset};
}

}  // namespace citadel::kernels::quant
