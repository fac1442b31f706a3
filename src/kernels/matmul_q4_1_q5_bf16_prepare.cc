// Activation layouts of the Q4_1 / Q5_1 and BF16 row-layout kernels (see
// matmul_q4_1_q5_bf16.h). Plain C++ without ISA flags: it runs before any path is
// known to be safe.
//
// Thread-safe: pure functions; each call writes only its `dst` row.
#include <cstring>

#include "kernels/block_formats.h"
#include "kernels/fp16.h"
#include "kernels/matmul_q4_1_q5_bf16.h"

namespace citadel::kernels::internal {

std::size_t Q8_1RowBytes(std::int64_t cols) {
  return RoundUp64(Pairs(cols) * 192);
}

void PrepareQ8_1(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const auto* blocks = static_cast<const BlockQ8_1*>(partner);
  const std::int64_t nb = cols / kQK;
  const std::int64_t padded_blocks = Pairs(cols) * 2;
  auto* d_lanes = reinterpret_cast<float*>(dst + Q8_1OffsetScales(cols));
  auto* s_lanes = reinterpret_cast<float*>(dst + Q8_1OffsetSums(cols));
  for (std::int64_t b = 0; b < padded_blocks; ++b) {
    float d = 0.0f;
    float s_eighth = 0.0f;
    if (b < nb) {
      std::memcpy(dst + b * kQK, blocks[b].qs, kQK);
      d = F16ToF32(blocks[b].d);
      s_eighth = F16ToF32(blocks[b].s) * 0.125f;  // exact: F16 values are far from underflow
    } else {
      std::memset(dst + b * kQK, 0, kQK);
    }
    for (int lane = 0; lane < 8; ++lane) {
      d_lanes[b * 8 + lane] = d;
      s_lanes[b * 8 + lane] = s_eighth;
    }
  }
}

void PrepareBF16(const float*, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  BF16ToF32Row(static_cast<const BF16*>(partner), reinterpret_cast<float*>(dst), cols);
  std::memset(dst + cols * 4, 0, FloatRowBytes(cols) - cols * 4);
}

}  // namespace citadel::kernels::internal
