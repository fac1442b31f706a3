// AVX-512 row-layout kernels for Q2_K, Q3_K and Q5_K weights
// (kernels/matmul_kernels.h). None yet: MatMul falls back to a lower path.
#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {

const PathKernels* Avx512KQuantKernels(TensorType /*type*/) {
  return nullptr;
}

}  // namespace citadel::kernels::internal
