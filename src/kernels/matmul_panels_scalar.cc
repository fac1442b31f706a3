// The scalar path of MatMul for panel weights (kernels/weight_panels.h): each
// row is unpacked back to GGUF blocks and multiplied with the reference dot
// products, so it equals the scalar path on the original rows bit for bit.
// The SIMD panel kernels are tested against it.
//
// Thread-safe: pure functions over borrowed buffers and the caller's scratch.
#include <cstring>

#include "kernels/matmul_kernels.h"
#include "kernels/vec_dot.h"
#include "kernels/weight_panels.h"

namespace citadel::kernels::internal {
namespace {

std::size_t UnpackedRowBytes(const WeightView& w, std::int64_t) {
  return static_cast<std::size_t>(RowBytes(w.type, w.cols));
}

void ScalarPanelsCompute(const WeightView& w, const PreparedActivations& act,
                         std::int64_t row_begin, std::int64_t row_end, std::int64_t tok_begin,
                         std::int64_t tok_end, float* out, std::uint8_t* thread_scratch) {
  const VecDotFn dot = ScalarVecDot(w.type).fn;
  for (std::int64_t r = row_begin; r < row_end; ++r) {
    UnpackPanelRow(w, r, thread_scratch);
    for (std::int64_t t = tok_begin; t < tok_end; ++t) {
      out[t * w.rows + r] = dot(w.cols, thread_scratch, act.Row(t));
    }
  }
}

// The row path's table for the type (its activation preparation) with the
// compute step swapped for the panel one.
PathKernels PanelVariant(const PathKernels& rows) {
  PathKernels k = rows;
  k.compute = ScalarPanelsCompute;
  k.thread_scratch_bytes = UnpackedRowBytes;
  return k;
}

}  // namespace

const PathKernels* ScalarPanelKernels(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0: {
      static const PathKernels k = PanelVariant(*ScalarKernels(type));
      return &k;
    }
    case TensorType::kQ8_0: {
      static const PathKernels k = PanelVariant(*ScalarKernels(type));
      return &k;
    }
    case TensorType::kQ4_K: {
      static const PathKernels k = PanelVariant(*ScalarKernels(type));
      return &k;
    }
    case TensorType::kQ5_K: {
      static const PathKernels k = PanelVariant(*ScalarKernels(type));
      return &k;
    }
    case TensorType::kQ6_K: {
      static const PathKernels k = PanelVariant(*ScalarKernels(type));
      return &k;
    }
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
