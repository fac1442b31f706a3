// Quantized block layouts exactly as GGUF stores them (facts of the format).
//
// Each block packs a fixed number of elements; a row of a weight matrix is a
// sequence of blocks. Layouts are pinned with static_assert so the structs
// can be overlaid on memory-mapped file bytes (all members are byte arrays or
// uint16 halves, so blocks are 2-byte aligned at most).
//
// Pure data; thread-safe.
#pragma once

#include <cstdint>

namespace citadel::kernels {

using Half = std::uint16_t;  // IEEE binary16 bits (ggml_half)

inline constexpr int kQK = 32;    // elements per legacy block
inline constexpr int kQKK = 256;  // elements per K-quant super-block
inline constexpr int kKScaleSize = 12;

// x = d * (q - 8), q in [0, 15]; element j in low nibble of qs[j], j+16 in high.
struct BlockQ4_0 {
  Half d;
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// x = d * q + m, q in [0, 15]; same nibble order as Q4_0.
struct BlockQ4_1 {
  Half d;
  Half m;
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// x = d * (q - 16), q in [0, 31]; bit 4 of element j is bit j of qh (LE u32).
struct BlockQ5_0 {
  Half d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// x = d * q + m, q in [0, 31].
struct BlockQ5_1 {
  Half d;
  Half m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// x = d * q, q in [-127, 127].
struct BlockQ8_0 {
  Half d;
  std::int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Activation format for Q4_1/Q5_1 dot products: s = d * sum(qs).
struct BlockQ8_1 {
  Half d;
  Half s;
  std::int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36);

// 16 sub-blocks of 16: x = d * (scales[i] & 0xF) * q - dmin * (scales[i] >> 4), q in [0, 3].
// Element e (0..255): q = (qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3,
// sub-block i = e / 16.
struct BlockQ2_K {
  std::uint8_t scales[kQKK / 16];
  std::uint8_t qs[kQKK / 4];
  Half d;
  Half dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// 16 sub-blocks of 16: x = d * (scale6 - 32) * (q - 4 * !hbit), q low 2 bits in qs.
// Element e: q as in Q2_K; hbit = (hmask[e % 32] >> (e / 32)) & 1; sub-block e / 16
// (scales unpacked by UnpackScalesQ3K).
struct BlockQ3_K {
  std::uint8_t hmask[kQKK / 8];
  std::uint8_t qs[kQKK / 4];
  std::uint8_t scales[12];
  Half d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// 8 sub-blocks of 32: x = d * sc * q - dmin * m, 6-bit sc/m packed in scales
// (UnpackScaleMinK4). Element e: byte qs[32 * (e / 64) + e % 32], low nibble when
// e % 64 < 32, else high nibble; sub-block e / 32.
struct BlockQ4_K {
  Half d;
  Half dmin;
  std::uint8_t scales[kKScaleSize];
  std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// As Q4_K with a fifth bit per element: q += 16 * ((qh[e % 32] >> (e / 32)) & 1).
struct BlockQ5_K {
  Half d;
  Half dmin;
  std::uint8_t scales[kKScaleSize];
  std::uint8_t qh[kQKK / 8];
  std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16: x = d * scales[i] * (q - 32), q 6 bits (4 in ql, 2 in qh).
// Element e, with h = e / 128, p = e % 128 / 32, l = e % 32: low 4 bits are the
// low (p < 2) or high (p >= 2) nibble of ql[64 * h + 32 * (p % 2) + l]; top 2 bits
// are (qh[32 * h + l] >> (2 * p)) & 3; sub-block e / 16.
struct BlockQ6_K {
  std::uint8_t ql[kQKK / 2];
  std::uint8_t qh[kQKK / 4];
  std::int8_t scales[kQKK / 16];
  Half d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// The 6-bit scale and min of sub-block `j` (0..7) of a Q4_K/Q5_K block, from
// its 12 packed bytes: sub-blocks 0-3 keep scale and min in the low 6 bits of
// bytes j and j+4; sub-blocks 4-7 keep the low 4 bits in byte j+4 (scale low
// nibble, min high nibble) and the top 2 bits in bits 6-7 of bytes j-4 (scale)
// and j (min).
inline void UnpackScaleMinK4(int j, const std::uint8_t* scales, std::uint8_t* scale,
                             std::uint8_t* min) {
  if (j < 4) {
    *scale = scales[j] & 63;
    *min = scales[j + 4] & 63;
  } else {
    *scale = static_cast<std::uint8_t>((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4));
    *min = static_cast<std::uint8_t>((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

// The 16 signed sub-block scales of a Q3_K block (6-bit values minus 32).
// Scale s: low 4 bits in the low nibble of byte s (s < 8) or the high nibble
// of byte s - 8; top 2 bits in bits 2*(s/4)..+1 of byte 8 + s % 4.
inline void UnpackScalesQ3K(const std::uint8_t* packed, std::int8_t* out) {
  for (int s = 0; s < 16; ++s) {
    const int low = s < 8 ? (packed[s] & 0xF) : (packed[s - 8] >> 4);
    const int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 3;
    out[s] = static_cast<std::int8_t>((low | (high << 4)) - 32);
  }
}

// Quants of a whole K-quant super-block in element order (the layouts
// described at each struct, as loops a compiler can vectorize). Q3_K and Q6_K
// give the signed quant (q - 4 * !hbit, q - 32); Q2_K, Q4_K, Q5_K the unsigned
// one (mins are applied separately).
inline void UnpackQuantsQ2_K(const BlockQ2_K& b, std::int8_t* q) {
  for (int half = 0; half < 2; ++half) {
    for (int part = 0; part < 4; ++part) {
      for (int l = 0; l < 32; ++l) {
        q[128 * half + 32 * part + l] =
            static_cast<std::int8_t>((b.qs[32 * half + l] >> (2 * part)) & 3);
      }
    }
  }
}

inline void UnpackQuantsQ3_K(const BlockQ3_K& b, std::int8_t* q) {
  for (int half = 0; half < 2; ++half) {
    for (int part = 0; part < 4; ++part) {
      const int bit = 4 * half + part;  // hmask bit of elements 32 * bit .. + 31
      for (int l = 0; l < 32; ++l) {
        const int low = (b.qs[32 * half + l] >> (2 * part)) & 3;
        const int high = (b.hmask[l] >> bit) & 1;
        q[32 * bit + l] = static_cast<std::int8_t>(low - (high ? 0 : 4));
      }
    }
  }
}

inline void UnpackQuantsQ4_K(const BlockQ4_K& b, std::int8_t* q) {
  for (int chunk = 0; chunk < 4; ++chunk) {
    for (int l = 0; l < 32; ++l) {
      q[64 * chunk + l] = static_cast<std::int8_t>(b.qs[32 * chunk + l] & 0xF);
      q[64 * chunk + 32 + l] = static_cast<std::int8_t>(b.qs[32 * chunk + l] >> 4);
    }
  }
}

inline void UnpackQuantsQ5_K(const BlockQ5_K& b, std::int8_t* q) {
  for (int chunk = 0; chunk < 4; ++chunk) {
    for (int l = 0; l < 32; ++l) {
      const int h0 = ((b.qh[l] >> (2 * chunk)) & 1) << 4;
      const int h1 = ((b.qh[l] >> (2 * chunk + 1)) & 1) << 4;
      q[64 * chunk + l] = static_cast<std::int8_t>((b.qs[32 * chunk + l] & 0xF) | h0);
      q[64 * chunk + 32 + l] = static_cast<std::int8_t>((b.qs[32 * chunk + l] >> 4) | h1);
    }
  }
}

inline void UnpackQuantsQ6_K(const BlockQ6_K& b, std::int8_t* q) {
  for (int half = 0; half < 2; ++half) {
    const std::uint8_t* ql = b.ql + 64 * half;
    const std::uint8_t* qh = b.qh + 32 * half;
    std::int8_t* out = q + 128 * half;
    for (int l = 0; l < 32; ++l) {
      out[l] = static_cast<std::int8_t>(((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
      out[l + 32] = static_cast<std::int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
      out[l + 64] = static_cast<std::int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      out[l + 96] = static_cast<std::int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

// Activation format for K-quant dot products: float scale, int8 quants, and
// sums of each group of 16 quants (used to apply the K-quant mins cheaply).
struct BlockQ8_K {
  float d;
  std::int8_t qs[kQKK];
  std::int16_t bsums[kQKK / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace citadel::kernels
