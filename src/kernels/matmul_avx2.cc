// AVX2 kernels for MatMul (CPUs without AVX-512). Built with the AVX2 flags
// and only called after SelectedSimdLevel() allowed it.
//
// Thread-safe: pure functions over borrowed buffers.
#include <immintrin.h>

#include "kernels/matmul_kernels.h"

namespace citadel::kernels::internal {

const PathKernels* Avx2Kernels(TensorType type) {
  return nullptr;
}

}  // namespace citadel::kernels::internal
