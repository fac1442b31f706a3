// Activation layouts read by the SIMD MatMul paths (see matmul_kernels.h).
// Plain C++ without ISA flags: it runs before any path is known to be safe.
//
// Thread-safe: pure functions; each call writes only its `dst` row.
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/fp16.h"
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {
namespace {

void PrepareQ8_0Blocks(const BlockQ8_0* blocks, std::int64_t cols, std::int8_t* qs, float* dpat) {
  const std::int64_t nb = cols / kQK;
  const std::int64_t pairs = Pairs(cols);
  std::memset(qs, 0, pairs * 64);
  for (std::int64_t b = 0; b < pairs * 2; ++b) {
    const float d = b < nb ? F16ToF32(blocks[b].d) : 0.0f;
    if (b < nb) std::memcpy(qs + b * kQK, blocks[b].qs, kQK);
    for (int lane = 0; lane < 8; ++lane) dpat[b * 8 + lane] = d;
  }
}

// The panel layout for weights whose stored quants are offset by `offset`.
void PreparePanelBlocks(const BlockQ8_0* blocks, std::int64_t cols, std::int32_t offset,
                        std::uint8_t* dst) {
  const std::int64_t nb = cols / kQK;
  auto* scales = reinterpret_cast<float*>(dst + PanelQ8OffsetScales(nb));
  auto* corrections = reinterpret_cast<std::int32_t*>(dst + PanelQ8OffsetSums(nb));
  for (std::int64_t b = 0; b < nb; ++b) {
    std::memcpy(dst + b * kQK, blocks[b].qs, kQK);
    scales[b] = F16ToF32(blocks[b].d);
    std::int32_t sum = 0;
    for (std::int8_t q : blocks[b].qs) sum += q;
    corrections[b] = -offset * sum;
  }
}

}  // namespace

std::size_t Q4_0RowBytes(std::int64_t cols) {
  return RoundUp64(Pairs(cols) * 192);
}
std::size_t Q8_0RowBytes(std::int64_t cols) {
  return RoundUp64(Pairs(cols) * 128);
}

std::size_t Q4_KRowBytes(std::int64_t cols) {
  const std::int64_t sb = cols / kQKK;
  return Q8_KOffsetSums(sb) + RoundUp64(sb * 8 * 4);
}

std::size_t Q6_KRowBytes(std::int64_t cols) {
  const std::int64_t sb = cols / kQKK;
  return Q6_KOffsetCorrections(sb) + RoundUp64(sb * 64 * 4);
}

std::size_t FloatRowBytes(std::int64_t cols) {
  return RoundUp64(cols * 4);
}

std::size_t PanelQ8RowBytes(std::int64_t cols) {
  const std::int64_t nb = cols / kQK;
  return PanelQ8OffsetSums(nb) + RoundUp64(nb * 4);
}

void PreparePanelQ4_0(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  PreparePanelBlocks(static_cast<const BlockQ8_0*>(partner), cols, 8, dst);
}

void PreparePanelQ8_0(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  PreparePanelBlocks(static_cast<const BlockQ8_0*>(partner), cols, 128, dst);
}

std::size_t PanelQ8KRowBytes(std::int64_t cols) {
  const std::int64_t sb = cols / kQKK;
  return PanelQ8KOffsetBsums(sb) + RoundUp64(sb * 16 * 4);
}

void PreparePanelQ8K(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const std::int64_t sb = cols / kQKK;
  const auto* blocks = static_cast<const BlockQ8_K*>(partner);
  auto* da = reinterpret_cast<float*>(dst + Q8_KOffsetScales(sb));
  auto* pair_sums = reinterpret_cast<std::int16_t*>(dst + PanelQ8KOffsetPairSums(sb));
  auto* bsums = reinterpret_cast<std::int32_t*>(dst + PanelQ8KOffsetBsums(sb));
  static constexpr int kPairOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};
  for (std::int64_t s = 0; s < sb; ++s) {
    const BlockQ8_K& b = blocks[s];
    std::memcpy(dst + s * kQKK, b.qs, kQKK);
    da[s] = b.d;
    // A 32-element group sums to at most 32 x 128 in magnitude: an int16.
    for (int k = 0; k < 8; ++k) {
      const int g = kPairOrder[k];
      pair_sums[s * 8 + k] = static_cast<std::int16_t>(b.bsums[2 * g] + b.bsums[2 * g + 1]);
    }
    for (int g = 0; g < 16; ++g) bsums[s * 16 + g] = b.bsums[g];
  }
}

void PrepareQ4_0(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const std::int64_t pairs = Pairs(cols);
  auto* qs = reinterpret_cast<std::int8_t*>(dst);
  auto* dpat = reinterpret_cast<float*>(dst + pairs * 64);
  auto* corr = reinterpret_cast<std::int32_t*>(dst + pairs * 128);
  PrepareQ8_0Blocks(static_cast<const BlockQ8_0*>(partner), cols, qs, dpat);
  for (std::int64_t lane = 0; lane < pairs * 16; ++lane) {
    const std::int8_t* q = qs + lane * 4;
    corr[lane] = -8 * (q[0] + q[1] + q[2] + q[3]);
  }
}

void PrepareQ8_0(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const std::int64_t pairs = Pairs(cols);
  auto* qs = reinterpret_cast<std::int8_t*>(dst);
  auto* dpat = reinterpret_cast<float*>(dst + pairs * 64);
  PrepareQ8_0Blocks(static_cast<const BlockQ8_0*>(partner), cols, qs, dpat);
  for (std::int64_t i = 0; i < pairs * 64; ++i) dst[i] ^= 0x80;
}

void PrepareQ4_K(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const std::int64_t sb = cols / kQKK;
  const auto* blocks = static_cast<const BlockQ8_K*>(partner);
  auto* da = reinterpret_cast<float*>(dst + Q8_KOffsetScales(sb));
  auto* sums = reinterpret_cast<float*>(dst + Q8_KOffsetSums(sb));
  static constexpr int kGroupOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};
  for (std::int64_t s = 0; s < sb; ++s) {
    const BlockQ8_K& b = blocks[s];
    for (int slot = 0; slot < 8; ++slot) {
      std::memcpy(dst + s * 256 + slot * 32, b.qs + kGroupOrder[slot] * 32, 32);
    }
    da[s] = b.d;
    for (int g = 0; g < 8; ++g) sums[s * 8 + g] = b.d * (b.bsums[2 * g] + b.bsums[2 * g + 1]);
  }
}

void PrepareQ6_K(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const std::int64_t sb = cols / kQKK;
  const auto* blocks = static_cast<const BlockQ8_K*>(partner);
  auto* da = reinterpret_cast<float*>(dst + Q8_KOffsetScales(sb));
  auto* sums = reinterpret_cast<float*>(dst + Q8_KOffsetSums(sb));
  for (std::int64_t s = 0; s < sb; ++s) {
    const BlockQ8_K& b = blocks[s];
    std::memcpy(dst + s * 256, b.qs, 256);
    da[s] = b.d;
    for (int g = 0; g < 16; ++g) sums[s * 16 + g] = b.d * b.bsums[g];
  }
  auto* corr = reinterpret_cast<std::int32_t*>(dst + Q6_KOffsetCorrections(sb));
  const auto* qs = reinterpret_cast<const std::int8_t*>(dst);
  for (std::int64_t lane = 0; lane < sb * 64; ++lane) {
    const std::int8_t* q = qs + lane * 4;
    corr[lane] = -32 * (q[0] + q[1] + q[2] + q[3]);
  }
}

void PrepareF32(const float* act, const void*, std::int64_t cols, std::uint8_t* dst) {
  std::memcpy(dst, act, cols * 4);
  std::memset(dst + cols * 4, 0, FloatRowBytes(cols) - cols * 4);
}

void PrepareF16(const float* act, const void*, std::int64_t cols, std::uint8_t* dst) {
  auto* out = reinterpret_cast<float*>(dst);
  for (std::int64_t i = 0; i < cols; ++i) out[i] = F16ToF32(F32ToF16(act[i]));
  std::memset(dst + cols * 4, 0, FloatRowBytes(cols) - cols * 4);
}

}  // namespace citadel::kernels::internal
