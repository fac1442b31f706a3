#include "kernels/weight_panels.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels/block_formats.h"
#include "kernels/cpu_features.h"

namespace citadel::kernels {
namespace {

constexpr std::size_t RoundUp64(std::size_t n) {
  return (n + 63) / 64 * 64;
}

// Quant bytes of one block of one row, and how each is stored in a panel.
struct PanelFormat {
  int quant_bytes;      // per row and block
  std::uint8_t toggle;  // XOR applied to every stored quant byte
};

PanelFormat FormatOf(TensorType type) {
  return type == TensorType::kQ8_0 ? PanelFormat{kQK, 0x80} : PanelFormat{kQK / 2, 0x00};
}

std::size_t ScalesBytes(std::int64_t cols) {
  return RoundUp64(static_cast<std::size_t>(cols / kQK) * kPanelRows * sizeof(Half));
}

// Where the 4 quant bytes from `byte` (a multiple of 4) of block `b` of panel
// row `n` live, relative to the panel's quant region.
std::size_t QuantOffset(const PanelFormat& f, std::int64_t b, int byte, int n) {
  return static_cast<std::size_t>(b) * f.quant_bytes * kPanelRows +
         static_cast<std::size_t>(byte / 4) * kPanelRows * 4 + static_cast<std::size_t>(n) * 4;
}

// Block `b` of any legacy type starts with its fp16 scale, then its quants
// (Q4_0: d, qs[16]; Q8_0: d, qs[32]).
void PackPanel(const WeightView& w, std::int64_t r0, std::uint8_t* panel) {
  const PanelFormat f = FormatOf(w.type);
  const std::int64_t nb = w.cols / kQK;
  const std::size_t row_bytes = static_cast<std::size_t>(RowBytes(w.type, w.cols));
  const std::size_t block_bytes = sizeof(Half) + f.quant_bytes;
  auto* scales = reinterpret_cast<Half*>(panel);
  std::uint8_t* quants = panel + ScalesBytes(w.cols);
  for (int n = 0; n < kPanelRows; ++n) {
    const bool real = r0 + n < w.rows;
    const std::uint8_t* row = real ? w.data + (r0 + n) * row_bytes : nullptr;
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* block = real ? row + b * block_bytes : nullptr;
      Half d = 0;
      if (real) std::memcpy(&d, block, sizeof(Half));
      scales[b * kPanelRows + n] = d;
      for (int byte = 0; byte < f.quant_bytes; byte += 4) {
        std::uint32_t word = 0;  // padding rows: zero quants
        if (real) std::memcpy(&word, block + sizeof(Half) + byte, 4);
        word ^= f.toggle * 0x01010101u;
        std::memcpy(quants + QuantOffset(f, b, byte, n), &word, 4);
      }
    }
  }
}

}  // namespace

bool PanelLayoutSupports(TensorType type) {
  return type == TensorType::kQ4_0 || type == TensorType::kQ8_0;
}

bool PanelsPreferred(TensorType type) {
  return PanelLayoutSupports(type) && SelectedSimdLevel() >= SimdLevel::kAvx512;
}

std::size_t PanelStride(TensorType type, std::int64_t cols) {
  const PanelFormat f = FormatOf(type);
  return ScalesBytes(cols) +
         RoundUp64(static_cast<std::size_t>(cols / kQK) * f.quant_bytes * kPanelRows);
}

std::size_t PanelBytes(TensorType type, std::int64_t rows, std::int64_t cols) {
  const std::int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  return static_cast<std::size_t>(panels) * PanelStride(type, cols);
}

void PackedWeight::FreeDeleter::operator()(std::uint8_t* p) const {
  std::free(p);
}

Result<PackedWeight> PackedWeight::Pack(const WeightView& rows) {
  CITADEL_TRY(ValidateWeight(rows));
  if (rows.layout != WeightLayout::kRows || !PanelLayoutSupports(rows.type)) {
    return InvalidArgumentError("panels: no panel layout for weight type " +
                                std::to_string(static_cast<std::uint32_t>(rows.type)));
  }
  const std::size_t bytes = PanelBytes(rows.type, rows.rows, rows.cols);
  auto* data = static_cast<std::uint8_t*>(std::aligned_alloc(64, bytes));
  if (data == nullptr) {
    return ResourceExhaustedError("panels: cannot allocate " + std::to_string(bytes) + " bytes");
  }
  PackedWeight packed;
  packed.data_.reset(data);
  const std::size_t stride = PanelStride(rows.type, rows.cols);
  for (std::int64_t r0 = 0; r0 < rows.rows; r0 += kPanelRows) {
    PackPanel(rows, r0, data + (r0 / kPanelRows) * stride);
  }
  packed.view_ = rows;
  packed.view_.data = data;
  packed.view_.layout = WeightLayout::kPanels;
  return packed;
}

void UnpackPanelRow(const WeightView& panels, std::int64_t row, std::uint8_t* dst) {
  const PanelFormat f = FormatOf(panels.type);
  const std::uint8_t* panel =
      panels.data + (row / kPanelRows) * PanelStride(panels.type, panels.cols);
  const int n = static_cast<int>(row % kPanelRows);
  const auto* scales = reinterpret_cast<const Half*>(panel);
  const std::uint8_t* quants = panel + ScalesBytes(panels.cols);
  const std::size_t block_bytes = sizeof(Half) + f.quant_bytes;
  for (std::int64_t b = 0; b < panels.cols / kQK; ++b) {
    std::uint8_t* block = dst + b * block_bytes;
    std::memcpy(block, &scales[b * kPanelRows + n], sizeof(Half));
    for (int byte = 0; byte < f.quant_bytes; byte += 4) {
      std::uint32_t word;
      std::memcpy(&word, quants + QuantOffset(f, b, byte, n), 4);
      word ^= f.toggle * 0x01010101u;
      std::memcpy(block + sizeof(Half) + byte, &word, 4);
    }
  }
}

}  // namespace citadel::kernels
