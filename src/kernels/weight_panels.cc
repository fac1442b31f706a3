#include "kernels/weight_panels.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "kernels/block_formats.h"
#include "kernels/cpu_features.h"

namespace citadel::kernels {
namespace {

constexpr std::size_t RoundUp64(std::size_t n) {
  return (n + 63) / 64 * 64;
}

// One field of a block: `bytes` at `offset` of the GGUF block, stored as one
// fp16 per row (kHalf, bytes == 2) or as 4-byte words (kWords).
struct Field {
  enum Kind { kHalf, kWords } kind;
  int offset;
  int bytes;
  std::uint8_t toggle;  // XOR applied to every stored byte
};

struct Format {
  int block_elements = 0;
  int block_bytes = 0;
  int num_fields = 0;
  Field fields[5] = {};
  // Region-major (false): each field's blocks together. Block-major (true):
  // each block's fields together, back to back, the block padded to 64 bytes.
  bool by_block = false;
};

Format FormatOf(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
      return {kQK, sizeof(BlockQ4_0), 2, {{Field::kHalf, 0, 2, 0}, {Field::kWords, 2, 16, 0}}};
    case TensorType::kQ8_0:
      return {kQK, sizeof(BlockQ8_0), 2, {{Field::kHalf, 0, 2, 0}, {Field::kWords, 2, 32, 0x80}}};
    case TensorType::kQ4_K:
      return {kQKK,
              sizeof(BlockQ4_K),
              4,
              {{Field::kHalf, 0, 2, 0},
               {Field::kHalf, 2, 2, 0},
               {Field::kWords, 4, 12, 0},
               {Field::kWords, 16, 128, 0}},
              true};
    case TensorType::kQ5_K:
      return {kQKK,
              sizeof(BlockQ5_K),
              5,
              {{Field::kHalf, 0, 2, 0},
               {Field::kHalf, 2, 2, 0},
               {Field::kWords, 4, 12, 0},
               {Field::kWords, 48, 128, 0},
               {Field::kWords, 16, 32, 0}},
              true};
    case TensorType::kQ6_K:
      return {kQKK,
              sizeof(BlockQ6_K),
              4,
              {{Field::kWords, 0, 128, 0},
               {Field::kWords, 128, 64, 0},
               {Field::kWords, 192, 16, 0},
               {Field::kHalf, 208, 2, 0}},
              true};
    default:
      return {};
  }
}

std::size_t RegionBytes(const Field& f, std::int64_t blocks) {
  return RoundUp64(static_cast<std::size_t>(blocks) * f.bytes * kPanelRows);
}

// Block-major: bytes of one block's fields, padded to 64.
std::size_t BlockUnitBytes(const Format& fmt) {
  std::size_t bytes = 0;
  for (int i = 0; i < fmt.num_fields; ++i) bytes += fmt.fields[i].bytes * kPanelRows;
  return RoundUp64(bytes);
}

// Where field `field` of block 0 starts in a panel, and the bytes from one
// block's field to the next block's.
std::size_t FieldOffset(const Format& fmt, std::int64_t cols, int field) {
  std::size_t offset = 0;
  for (int i = 0; i < field && i < fmt.num_fields; ++i) {
    offset += fmt.by_block ? fmt.fields[i].bytes * kPanelRows
                           : RegionBytes(fmt.fields[i], cols / fmt.block_elements);
  }
  return offset;
}

std::size_t FieldStep(const Format& fmt, int field) {
  return fmt.by_block ? BlockUnitBytes(fmt) : fmt.fields[field].bytes * kPanelRows;
}

// Copies one row between GGUF blocks (`row`; nullptr packs a zero row) and
// slot `n` of a panel: per field and block, a 2-byte half to
// [b][n], or 4-byte words to [b][k][n], XOR-ing each byte with the toggle.
template <bool kToPanel>
void MoveRow(const Format& fmt, std::int64_t cols,
             std::conditional_t<kToPanel, std::uint8_t*, const std::uint8_t*> panel, int n,
             std::conditional_t<kToPanel, const std::uint8_t*, std::uint8_t*> row) {
  const std::int64_t blocks = cols / fmt.block_elements;
  for (int i = 0; i < fmt.num_fields; ++i) {
    const Field& f = fmt.fields[i];
    const int piece = f.kind == Field::kHalf ? 2 : 4;
    const std::uint32_t toggle = f.toggle * 0x01010101u;
    const std::size_t start = FieldOffset(fmt, cols, i), step = FieldStep(fmt, i);
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::size_t field_at = static_cast<std::size_t>(b) * fmt.block_bytes + f.offset;
      std::size_t slot =
          start + static_cast<std::size_t>(b) * step + static_cast<std::size_t>(n) * piece;
      for (int byte = 0; byte < f.bytes; byte += piece, slot += kPanelRows * piece) {
        std::uint32_t v = 0;
        if constexpr (kToPanel) {
          if (row != nullptr) std::memcpy(&v, row + field_at + byte, piece);
          v ^= toggle;
          std::memcpy(panel + slot, &v, piece);
        } else {
          std::memcpy(&v, panel + slot, piece);
          v ^= toggle;
          std::memcpy(row + field_at + byte, &v, piece);
        }
      }
    }
  }
}

}  // namespace

bool PanelLayoutSupports(TensorType type) {
  return FormatOf(type).num_fields > 0;
}

bool PanelsPreferred(TensorType type) {
  // Every type with a panel layout has AVX-512 panel kernels.
  return PanelLayoutSupports(type) && SelectedSimdLevel() >= SimdLevel::kAvx512;
}

std::size_t PanelRegionOffset(TensorType type, std::int64_t cols, int field) {
  return FieldOffset(FormatOf(type), cols, field);
}

std::size_t PanelFieldStep(TensorType type, int field) {
  const Format fmt = FormatOf(type);
  return field < fmt.num_fields ? FieldStep(fmt, field) : 0;
}

std::size_t PanelStride(TensorType type, std::int64_t cols) {
  const Format fmt = FormatOf(type);
  if (fmt.by_block) return (cols / fmt.block_elements) * BlockUnitBytes(fmt);
  return FieldOffset(fmt, cols, fmt.num_fields);
}

std::size_t PanelBytes(TensorType type, std::int64_t rows, std::int64_t cols) {
  const std::int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  return static_cast<std::size_t>(panels) * PanelStride(type, cols);
}

Result<PackedWeight> PackedWeight::Pack(const WeightView& rows, ThreadPool* pool) {
  CITADEL_TRY(ValidateWeight(rows));
  if (rows.layout != WeightLayout::kRows || !PanelLayoutSupports(rows.type)) {
    return InvalidArgumentError("panels: no panel layout for weight type " +
                                std::string(TensorTypeName(rows.type)));
  }
  const std::size_t bytes = PanelBytes(rows.type, rows.rows, rows.cols);
  // Huge pages where the OS allows: the kernels stream several regions of
  // each panel at once. The buffer comes zeroed, which the region padding
  // relies on.
  Result<PageBuffer> buffer = PageBuffer::Allocate(bytes);
  if (!buffer.ok()) {
    return ResourceExhaustedError("panels: " + std::string(buffer.status().message()));
  }
  PackedWeight packed;
  packed.buffer_ = std::move(*buffer);
  std::uint8_t* data = packed.buffer_.data();
  const Format fmt = FormatOf(rows.type);
  const std::size_t stride = PanelStride(rows.type, rows.cols);
  const std::size_t row_bytes = static_cast<std::size_t>(RowBytes(rows.type, rows.cols));
  const std::int64_t panels = (rows.rows + kPanelRows - 1) / kPanelRows;
  auto pack = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin * kPanelRows; r < end * kPanelRows; ++r) {
      // Padding rows (r >= rows.rows) get zero bytes: zero scales.
      const std::uint8_t* row = r < rows.rows ? rows.data + r * row_bytes : nullptr;
      MoveRow<true>(fmt, rows.cols, data + (r / kPanelRows) * stride,
                    static_cast<int>(r % kPanelRows), row);
    }
  };
  if (pool == nullptr || pool->size() == 1) {
    pack(0, panels);
  } else {
    pool->Run([&](int thread_idx) {
      const auto [begin, end] = ThreadPool::Split(panels, thread_idx, pool->size());
      pack(begin, end);
    });
  }
  packed.view_ = rows;
  packed.view_.data = data;
  packed.view_.layout = WeightLayout::kPanels;
  return packed;
}

void UnpackPanelRow(const WeightView& panels, std::int64_t row, std::uint8_t* dst) {
  const std::uint8_t* panel =
      panels.data + (row / kPanelRows) * PanelStride(panels.type, panels.cols);
  MoveRow<false>(FormatOf(panels.type), panels.cols, panel, static_cast<int>(row % kPanelRows),
                 dst);
}

}  // namespace citadel::kernels
