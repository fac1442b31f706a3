// Tensor element types as GGUF stores them (the ggml type ids), with the
// block geometry every layer needs to size and validate tensor data.
//
// Pure constants; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace citadel {

enum class TensorType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct TensorTypeTraits {
  std::string_view name;        // as the reference spells it: "q4_K", "f16"
  std::int64_t block_elements;  // elements per block
  std::int64_t block_bytes;     // bytes per block
};

// Traits of a known type id; nullopt for ids GGUF does not define (or that
// were retired). Use this to validate ids read from files.
std::optional<TensorTypeTraits> LookupTensorType(std::uint32_t type_id);

// Traits of a valid enum value (programmer error otherwise).
TensorTypeTraits Traits(TensorType type);

inline std::string_view TensorTypeName(TensorType type) {
  return Traits(type).name;
}

// Bytes of one row of `elements` values; `elements` must be a multiple of the
// block size (callers validate).
inline std::int64_t RowBytes(TensorType type, std::int64_t elements) {
  TensorTypeTraits t = Traits(type);
  return elements / t.block_elements * t.block_bytes;
}

}  // namespace citadel
