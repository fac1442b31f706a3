#include "kernels/quantize.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "kernels/activation_quant.h"
#include "kernels/fp16.h"
#include "kernels/quantize_blocks.h"
#include "util/thread_pool.h"

namespace citadel::kernels {
namespace {

// Checks what QuantizeRow promises to reject before anything is written.
Status ValidateRow(TensorType type, const float* src, std::int64_t n) {
  if (!CanQuantizeTo(type)) {
    return InvalidArgumentError("cannot quantize to tensor type " +
                                std::string(TensorTypeName(type)));
  }
  std::int64_t block = Traits(type).block_elements;
  if (n < 0 || n % block != 0) {
    return InvalidArgumentError("row length " + std::to_string(n) + " is not a multiple of " +
                                std::to_string(block) + " (block size of " +
                                std::string(TensorTypeName(type)) + ")");
  }
  if (type == TensorType::kF32) return OkStatus();
  float limit =
      type == TensorType::kBF16 ? std::numeric_limits<float>::max() : kMaxQuantizableMagnitude;
  for (std::int64_t i = 0; i < n; ++i) {
    // !(|x| <= limit) also catches NaN.
    if (!(std::fabs(src[i]) <= limit)) {
      return InvalidArgumentError(
          "value " + std::to_string(src[i]) + " at index " + std::to_string(i) +
          " cannot be stored as " + std::string(TensorTypeName(type)) +
          (std::isfinite(src[i]) ? " (magnitude above 65504)" : " (not finite)"));
    }
  }
  return OkStatus();
}

// Runs the per-type quantizer on validated input.
void QuantizeValidRow(TensorType type, const float* src, void* dst, std::int64_t n) {
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
      return;
    case TensorType::kF16:
      F32ToF16Row(src, static_cast<Half*>(dst), n);
      return;
    case TensorType::kBF16:
      F32ToBF16Row(src, static_cast<BF16*>(dst), n);
      return;
    case TensorType::kQ4_0:
      return quant::QuantizeRowQ4_0(src, static_cast<BlockQ4_0*>(dst), n);
    case TensorType::kQ4_1:
      return quant::QuantizeRowQ4_1(src, static_cast<BlockQ4_1*>(dst), n);
    case TensorType::kQ5_0:
      return quant::QuantizeRowQ5_0(src, static_cast<BlockQ5_0*>(dst), n);
    case TensorType::kQ5_1:
      return quant::QuantizeRowQ5_1(src, static_cast<BlockQ5_1*>(dst), n);
    case TensorType::kQ8_0:
      return QuantizeRowQ8_0(src, static_cast<BlockQ8_0*>(dst), n);
    case TensorType::kQ2_K:
      return quant::QuantizeRowQ2_K(src, static_cast<BlockQ2_K*>(dst), n);
    case TensorType::kQ3_K:
      return quant::QuantizeRowQ3_K(src, static_cast<BlockQ3_K*>(dst), n);
    case TensorType::kQ4_K:
      return quant::QuantizeRowQ4_K(src, static_cast<BlockQ4_K*>(dst), n);
    case TensorType::kQ5_K:
      return quant::QuantizeRowQ5_K(src, static_cast<BlockQ5_K*>(dst), n);
    case TensorType::kQ6_K:
      return quant::QuantizeRowQ6_K(src, static_cast<BlockQ6_K*>(dst), n);
    default:
      return;  // excluded by ValidateRow
  }
}

}  // namespace

bool CanQuantizeTo(TensorType type) {
  switch (type) {
    case TensorType::kF32:
    case TensorType::kF16:
    case TensorType::kBF16:
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1:
    case TensorType::kQ8_0:
    case TensorType::kQ2_K:
    case TensorType::kQ3_K:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
      return true;
    default:
      return false;
  }
}

Status QuantizeRow(TensorType type, const float* src, void* dst, std::int64_t n) {
  CITADEL_TRY(ValidateRow(type, src, n));
  QuantizeValidRow(type, src, dst, n);
  return OkStatus();
}

Status QuantizeTensor(TensorType type, const float* src, void* dst, std::int64_t rows,
                      std::int64_t cols, ThreadPool* pool) {
  if (rows < 0) return InvalidArgumentError("negative row count " + std::to_string(rows));
  if (!CanQuantizeTo(type) || cols < 0 || cols % Traits(type).block_elements != 0) {
    return ValidateRow(type, src, cols);  // reports the type or row-length problem
  }
  const std::int64_t row_bytes = RowBytes(type, cols);
  auto* out = static_cast<std::uint8_t*>(dst);
  if (pool == nullptr || pool->size() == 1 || rows < 2) {
    for (std::int64_t r = 0; r < rows; ++r) {
      Status status = QuantizeRow(type, src + r * cols, out + r * row_bytes, cols);
      if (!status.ok()) return status.WithContext("row " + std::to_string(r));
    }
    return OkStatus();
  }
  // Rows are claimed one at a time, in increasing order, so cheap and
  // expensive rows balance. After a failure only rows below it are still
  // done, so the lowest failing row is the one reported, as in the serial loop.
  std::atomic<std::int64_t> next_row{0};
  std::atomic<std::int64_t> failed_row{rows};
  pool->Run([&](int /*thread_idx*/) {
    for (std::int64_t r = next_row.fetch_add(1); r < rows; r = next_row.fetch_add(1)) {
      if (r > failed_row.load()) return;
      if (!ValidateRow(type, src + r * cols, cols).ok()) {
        std::int64_t seen = failed_row.load();
        while (r < seen && !failed_row.compare_exchange_weak(seen, r)) {
        }
        return;
      }
      QuantizeValidRow(type, src + r * cols, out + r * row_bytes, cols);
    }
  });
  if (failed_row.load() < rows) {
    Status status = ValidateRow(type, src + failed_row.load() * cols, cols);
    return status.WithContext("row " + std::to_string(failed_row.load()));
  }
  return OkStatus();
}

}  // namespace citadel::kernels
