// Internal to MatMul (kernels/matmul.h): the per-path kernel tables.
//
// A call runs in two phases. First every activation row is quantized to the
// weight type's partner format (B1's reference quantizers, so the integers
// equal the reference engine's) and then *prepared*: rearranged into the
// layout the chosen path's inner loop reads (e.g. quants padded to 64 bytes,
// per-block scales broadcast into vector-width patterns, offset corrections
// precomputed). Then the path computes a rectangle of outputs, rows by
// tokens, reading weights in place.
//
// Thread-safe: tables are immutable; functions write only their outputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_type.h"
#include "kernels/matmul.h"

namespace citadel::kernels::internal {

// The prepared activations of one call: `tokens` rows of `row_bytes` each
// (64-byte aligned), in the layout of the path that prepared them.
struct PreparedActivations {
  const std::uint8_t* data = nullptr;
  std::size_t row_bytes = 0;
  std::int64_t tokens = 0;
  std::int64_t cols = 0;

  const std::uint8_t* Row(std::int64_t token) const { return data + token * row_bytes; }
};

struct PathKernels {
  // Bytes of one prepared row for `cols` inputs; a multiple of 64.
  std::size_t (*prepared_row_bytes)(std::int64_t cols);
  // Writes the prepared row for one token: `act` is the F32 row and
  // `partner` the same row already quantized to the partner format
  // (nullptr when the partner is F32 or F16, which read `act` directly).
  void (*prepare_row)(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst);
  // out[t * w.rows + r] for r in [row_begin, row_end), t in [tok_begin, tok_end).
  void (*compute)(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                  std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out);
};

// The kernels of one path for weights of `type`, or nullptr when that path
// has no kernel for the type (MatMul then falls back to a lower path).
const PathKernels* ScalarKernels(TensorType type);
const PathKernels* Avx2Kernels(TensorType type);
const PathKernels* Avx512Kernels(TensorType type);

// Tokens per block in the prefill loop: a block's prepared activations stay
// in L2 while every row of the thread's share streams past them.
inline constexpr std::int64_t kTokenBlock = 64;

}  // namespace citadel::kernels::internal
