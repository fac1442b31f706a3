// Interleaved weight panels: a weight matrix repacked at load time so that a
// 64-byte vector holds 4 consecutive quants of each of 16 rows. The AVX-512
// kernels then compute 16 rows' dot products in the 16 lanes of one register
// (a broadcast activation word times one load, no horizontal sums, one scale
// vector per block), and the AMX kernel finds its B operand already in tile
// order. The idea is ik_llama.cpp's interleaved row repacking; the layout is
// our own.
//
// Rows are grouped in panels of 16 (the last one padded with zero rows, whose
// scales are zero). Panel p holds rows 16p .. 16p + 15 in PanelStride bytes.
// A field of one block, for the 16 rows, is stored as either
//   half:  [16 rows] one fp16 (2 bytes) per row, or
//   words: [word k][16 rows][4 bytes], the field's bytes 4k .. 4k + 3,
// so a 64-byte load of words is one word of each of the 16 rows. Field f of
// block b starts at PanelRegionOffset(f) + b * PanelFieldStep(f), in one of
// two orders:
//   Q4_0, Q8_0, region-major: a region per field, each starting on a 64-byte
//     boundary, holding the field for blocks b = 0 .. B - 1 (B = cols / block
//     size);
//   K-quants, block-major: block by block, each block's fields back to back
//     and the block padded to 64 bytes (Q6_K: 3360 -> 3392 bytes). A panel is
//     then one sequential stream, which the kernels read 7% faster than
//     four regions at once (Q4_K, M = 1, 2 threads).
//
//   Q4_0 (block 32):  0 half d | 1 words qs (4: low nibbles = elements 4k..,
//                     high = 16 + 4k ..)
//   Q8_0 (block 32):  0 half d | 1 words qs (8), stored as q + 128 (unsigned),
//                     so VNNI can multiply them by signed activations
//   Q4_K (block 256): 0 half d | 1 half dmin | 2 words scales (3: the 12
//                     packed 6-bit scale/min bytes) | 3 words qs (32)
//   Q5_K (block 256): as Q4_K, then 4 words qh (8: bit g of byte i is the
//                     fifth bit of element 32g + i)
//   Q6_K (block 256): 0 words ql (32) | 1 words qh (16) | 2 words scales (4)
//                     | 3 half d
// A row's bytes are the GGUF block's bytes, moved (Q8_0's toggled), so a
// panel is the size of its 16 rows up to the padding.
//
// Thread-safe: pure functions; PackedWeight is immutable after Pack().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "gguf/tensor_type.h"
#include "kernels/matmul.h"
#include "util/page_buffer.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace citadel::kernels {

inline constexpr std::int64_t kPanelRows = 16;

// Whether the panel layout is defined for `type`.
bool PanelLayoutSupports(TensorType type);

// Whether MatMul on this machine (SelectedSimdLevel()) runs faster on panels
// than on GGUF rows for `type`: the AVX-512 and AMX paths, supported types.
bool PanelsPreferred(TensorType type);

// Bytes of one panel and of the whole packed matrix.
std::size_t PanelStride(TensorType type, std::int64_t cols);
// Offset of field `field` (numbered as above) of block 0 inside a panel, and
// the bytes from one block's field to the next block's.
std::size_t PanelRegionOffset(TensorType type, std::int64_t cols, int field);
std::size_t PanelFieldStep(TensorType type, int field);
std::size_t PanelBytes(TensorType type, std::int64_t rows, std::int64_t cols);

// A weight matrix repacked into panels, owning its memory.
class PackedWeight {
 public:
  // Packs a kRows matrix, its panels split over `pool` when given.
  // InvalidArgument when the type has no panel layout or the view is not
  // valid for MatMul; ResourceExhausted when memory runs out.
  static Result<PackedWeight> Pack(const WeightView& rows, ThreadPool* pool = nullptr);

  PackedWeight(PackedWeight&&) noexcept = default;
  PackedWeight& operator=(PackedWeight&&) noexcept = default;

  // The kPanels view; `data` stays valid while this object lives (moves too).
  const WeightView& view() const { return view_; }

 private:
  PackedWeight() = default;
  PageBuffer buffer_;
  WeightView view_;
};

// Writes row `row` of a kPanels matrix back in GGUF's block format
// (RowBytes(type, cols) bytes): the scalar reference path reads panels this way.
void UnpackPanelRow(const WeightView& panels, std::int64_t row, std::uint8_t* dst);

}  // namespace citadel::kernels
