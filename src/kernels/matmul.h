// Matrix products of GGUF weight matrices with float activations: the hot
// path of every forward pass.
//
//   out[t * rows + r] = dot(W[r, :], act[t * cols : (t + 1) * cols])   t < tokens
//
// Each activation row is quantized once per call to the weight type's partner
// format with the reference engine's reference quantizers (Q4_0/Q5_0/Q8_0 ->
// Q8_0, Q4_1/Q5_1 -> Q8_1, K-quants -> Q8_K, F16 -> F16, F32 stays F32; see
// QuantizeActivationForMatMul), and the dot products then use integer
// arithmetic, so results match the reference up to float summation order. A
// token's outputs never depend on the other tokens of the call, nor on the
// thread count.
//
// Weights come in GGUF's row layout (used in place, usually straight from
// the model's memory map) or, for Q4_0, Q8_0, Q4_K and Q6_K on the AVX-512 and AMX
// paths, repacked at load into 16-row panels (kernels/weight_panels.h), which
// those paths stream at close to the memory's bandwidth. The path is chosen
// at run time (kernels/cpu_features.h, capped by CITADEL_CPU):
//   amx     (Sapphire Rapids+; Q4_0, Q8_0, Q4_K, Q6_K): from 6 tokens on an
//           AMX int8 GEMM over 16-row panels (decoded on the fly from rows,
//           or unpacked from panels); fewer tokens stream the weights once
//           with AVX-512 VNNI. Both produce the same bits, so batching never
//           changes a token's result.
//   avx512  (AVX-512 BW/VL + VNNI, e.g. Zen 4): VNNI kernels, each weight
//           block decoded once for a tile of up to 8 tokens (rows) or 4
//           tokens (panels).
//   avx2    (4 tokens per tile), then the scalar reference (every type;
//           panels are unpacked to rows for it).
// Types without a SIMD kernel use the next lower path that has one; the
// scalar path covers every type of kernels/vec_dot.h. Rows are split over the
// pool in multiples of 16.
//
// Thread contract: MatMul is thread-compatible — concurrent calls need their
// own MatMulScratch and ThreadPool; the weight memory is only read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "gguf/tensor_type.h"
#include "kernels/cpu_features.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace citadel::kernels {

// How a weight matrix's bytes are arranged.
enum class WeightLayout : std::uint8_t {
  kRows,    // as stored in GGUF: row after row of `type` blocks
  kPanels,  // interleaved 16-row panels (kernels/weight_panels.h)
};

// A weight matrix: `rows` outputs, each a row of `cols` inputs encoded in
// `type` blocks. In the kRows layout (GGUF's) a row is RowBytes(type, cols)
// bytes. Borrowed: the caller keeps `data` alive while it is used.
struct WeightView {
  TensorType type = TensorType::kF32;
  const std::uint8_t* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  WeightLayout layout = WeightLayout::kRows;
};

// Quantizes one activation row of `cols` floats to `act_type` (the partner
// format, ScalarVecDot(weight type).act_type) exactly as MatMul does:
// QuantizeActivationRow (the reference rule: for Q8_0 d = amax / 127, q =
// round-half-away(x / d)). The x86 CPU backend of the reference rounds
// slightly differently (kernels/activation_quant.h); the synthetic-model
// conformance vectors agree better with the reference rule. `cols` must be
// whole blocks.
void QuantizeActivationForMatMul(TensorType act_type, const float* act, void* dst,
                                 std::int64_t cols);

// Whether MatMul supports weights of this type.
bool MatMulSupportsType(TensorType type);

// OK when MatMul can use `w`: a supported type, rows and cols > 0, cols a
// multiple of the type's block size, data non-null. InvalidArgument (naming
// the type and shape) otherwise. MatMul itself assumes a valid view.
Status ValidateWeight(const WeightView& w);

// Buffers for quantized activations. Grows on demand and never shrinks, so
// steady-state calls with the same shapes allocate nothing. Thread-compatible:
// one MatMul call at a time per scratch.
class MatMulScratch {
 public:
  MatMulScratch() = default;
  MatMulScratch(MatMulScratch&&) = default;
  MatMulScratch& operator=(MatMulScratch&&) = default;

  // A buffer of at least `size_bytes`, 64-byte aligned; contents undefined;
  // valid until the next call. For the kernels' own use.
  std::uint8_t* Get(std::size_t size_bytes);
  std::size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct FreeDeleter {
    void operator()(std::uint8_t* p) const;
  };
  std::unique_ptr<std::uint8_t, FreeDeleter> buffer_;
  std::size_t capacity_bytes_ = 0;
};

// Computes the product above on the selected SIMD path (SelectedSimdLevel()).
// `act` is [tokens, cols], `out` is [tokens, rows]; they must not overlap.
// Requires ValidateWeight(w).ok() and tokens >= 1 (programmer errors
// otherwise). Work is split over `pool`; returns when done.
void MatMul(const WeightView& w, const float* act, std::int64_t tokens, float* out,
            ThreadPool& pool, MatMulScratch& scratch);

// As MatMul, on an explicit path (capped at what this CPU supports). For tests
// and benchmarks that compare paths.
void MatMulAtLevel(SimdLevel level, const WeightView& w, const float* act, std::int64_t tokens,
                   float* out, ThreadPool& pool, MatMulScratch& scratch);

// One weight of a product that shares its activations with others:
// out[tokens, weight.rows] = act . weight^T.
struct MatMulTarget {
  WeightView weight;
  float* out = nullptr;
};

// At most this many targets per MatMulShared call.
inline constexpr std::size_t kMaxMatMulTargets = 4;

// Every target's MatMul over the same activations `act` [tokens, cols] (all
// weights have `cols` columns), as one fork-join: the activations are
// quantized and prepared once per kernel layout, and the rows of all targets
// are split over the pool together. Each output equals what MatMul gives for
// that target alone, bit for bit. Fusing q/k/v or gate/up this way saves
// their extra barriers, which decoding pays once per matrix and layer.
// 1 <= targets.size() <= kMaxMatMulTargets, each ValidateWeight-ok, outputs
// disjoint from each other and from `act` (programmer errors otherwise).
void MatMulShared(std::span<const MatMulTarget> targets, const float* act, std::int64_t tokens,
                  ThreadPool& pool, MatMulScratch& scratch);
void MatMulSharedAtLevel(SimdLevel level, std::span<const MatMulTarget> targets, const float* act,
                         std::int64_t tokens, ThreadPool& pool, MatMulScratch& scratch);

}  // namespace citadel::kernels
