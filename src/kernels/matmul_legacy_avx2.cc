// AVX2 row-layout kernels for Q4_1, Q5_0, Q5_1 and BF16 weights
// (kernels/matmul_kernels.h). None yet: MatMul falls back to a lower path.
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {

const PathKernels* Avx2LegacyKernels(TensorType /*type*/) {
  return nullptr;
}

}  // namespace citadel::kernels::internal
