// The scalar path of MatMul: the reference dot products (kernels/vec_dot.h)
// over activations quantized to the partner format, stored as-is. Every SIMD
// path is tested against this one.
//
// Thread-safe: pure functions over borrowed buffers.
#include <cstring>

#include "kernels/matmul_kernels.h"
#include "kernels/vec_dot.h"

namespace citadel::kernels::internal {
namespace {

template <TensorType kType>
std::size_t ScalarRowBytes(std::int64_t cols) {
  return RoundUp64(static_cast<std::size_t>(RowBytes(ScalarVecDot(kType).act_type, cols)));
}

template <TensorType kType>
void ScalarPrepare(const float* act, const void* partner, std::int64_t cols, std::uint8_t* dst) {
  const TensorType act_type = ScalarVecDot(kType).act_type;
  std::memcpy(dst, partner != nullptr ? partner : act,
              static_cast<std::size_t>(RowBytes(act_type, cols)));
}

template <TensorType kType>
void ScalarCompute(const WeightView& w, const PreparedActivations& act, std::int64_t row_begin,
                   std::int64_t row_end, std::int64_t tok_begin, std::int64_t tok_end, float* out,
                   std::uint8_t* /*thread_scratch*/) {
  const VecDotFn dot = ScalarVecDot(kType).fn;
  const std::int64_t row_bytes = RowBytes(kType, w.cols);
  for (std::int64_t t = tok_begin; t < tok_end; ++t) {
    for (std::int64_t r = row_begin; r < row_end; ++r) {
      out[t * w.rows + r] = dot(w.cols, w.data + r * row_bytes, act.Row(t));
    }
  }
}

template <TensorType kType>
const PathKernels* Table() {
  static const PathKernels kernels = {ScalarRowBytes<kType>, ScalarPrepare<kType>,
                                      ScalarCompute<kType>};
  return &kernels;
}

}  // namespace

const PathKernels* ScalarKernels(TensorType type) {
  switch (type) {
    case TensorType::kF32:
      return Table<TensorType::kF32>();
    case TensorType::kF16:
      return Table<TensorType::kF16>();
    case TensorType::kBF16:
      return Table<TensorType::kBF16>();
    case TensorType::kQ4_0:
      return Table<TensorType::kQ4_0>();
    case TensorType::kQ4_1:
      return Table<TensorType::kQ4_1>();
    case TensorType::kQ5_0:
      return Table<TensorType::kQ5_0>();
    case TensorType::kQ5_1:
      return Table<TensorType::kQ5_1>();
    case TensorType::kQ8_0:
      return Table<TensorType::kQ8_0>();
    case TensorType::kQ2_K:
      return Table<TensorType::kQ2_K>();
    case TensorType::kQ3_K:
      return Table<TensorType::kQ3_K>();
    case TensorType::kQ4_K:
      return Table<TensorType::kQ4_K>();
    case TensorType::kQ5_K:
      return Table<TensorType::kQ5_K>();
    case TensorType::kQ6_K:
      return Table<TensorType::kQ6_K>();
    default:
      return nullptr;
  }
}

}  // namespace citadel::kernels::internal
