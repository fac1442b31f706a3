// Interleaved weight panels: a weight matrix repacked at load time so that a
// 64-byte vector holds 4 consecutive quants of each of 16 rows. The AVX-512
// kernels then compute 16 rows' dot products in the 16 lanes of one register
// (a broadcast activation word times one load, no horizontal sums, one scale
// vector per block), and the AMX kernel finds its B operand already in tile
// order. The idea is ik_llama.cpp's interleaved row repacking; the layout is
// our own.
//
// Rows are grouped in panels of 16 (the last one padded with zero rows, whose
// scales are zero). Panel p holds rows 16p .. 16p + 15, PanelStride bytes,
// 64-byte aligned, blocks b = 0 .. cols / 32 - 1:
//
//   Q4_0: [b][16 rows] fp16 block scales, padded to 64 bytes
//         [b][k = 0..3][16 rows][4 bytes]  bytes 4k .. 4k+3 of the row's qs
//           (low nibbles: elements 4k .., high nibbles: elements 16 + 4k ..)
//   Q8_0: [b][16 rows] fp16 block scales, padded to 64 bytes
//         [b][k = 0..7][16 rows][4 bytes]  quants 4k .. 4k+3, stored as
//           q + 128 (unsigned), so VNNI can multiply them by signed activations
//
// Thread-safe: pure functions; PackedWeight is immutable after Pack().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "gguf/tensor_type.h"
#include "kernels/matmul.h"
#include "util/status.h"

namespace citadel::kernels {

inline constexpr std::int64_t kPanelRows = 16;

// Whether the panel layout is defined for `type`.
bool PanelLayoutSupports(TensorType type);

// Whether MatMul on this machine (SelectedSimdLevel()) runs faster on panels
// than on GGUF rows for `type`: the AVX-512 and AMX paths, supported types.
bool PanelsPreferred(TensorType type);

// Bytes of one panel and of the whole packed matrix.
std::size_t PanelStride(TensorType type, std::int64_t cols);
std::size_t PanelBytes(TensorType type, std::int64_t rows, std::int64_t cols);

// A weight matrix repacked into panels, owning its memory.
class PackedWeight {
 public:
  // Packs a kRows matrix. InvalidArgument when the type has no panel layout
  // or the view is not valid for MatMul; ResourceExhausted when memory runs out.
  static Result<PackedWeight> Pack(const WeightView& rows);

  PackedWeight(PackedWeight&&) noexcept = default;
  PackedWeight& operator=(PackedWeight&&) noexcept = default;

  // The kPanels view; `data` stays valid while this object lives (moves too).
  const WeightView& view() const { return view_; }

 private:
  struct FreeDeleter {
    void operator()(std::uint8_t* p) const;
  };
  PackedWeight() = default;
  std::unique_ptr<std::uint8_t, FreeDeleter> data_;
  WeightView view_;
};

// Writes row `row` of a kPanels matrix back in GGUF's block format
// (RowBytes(type, cols) bytes): the scalar reference path reads panels this way.
void UnpackPanelRow(const WeightView& panels, std::int64_t row, std::uint8_t* dst);

}  // namespace citadel::kernels
