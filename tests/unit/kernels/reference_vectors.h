// Reader for tests/data/kernels/reference_vectors.vec: inputs and outputs
// produced by the reference engine's own functions (ggml v0.5.0
// dequantize_row_*, quantize_row_q8_{0,1,K}_ref, ggml_fp32_to_fp16_row, and
// the CPU backend's vec_dot) on
// seeded random data, so kernel tests can compare bit for bit.
//
// File layout (little-endian): "CKV1", u32 count, then `count` records of
//   u32 kind (0 = dequantize: in = blocks, out = floats;
//             1 = activation quantization: in = floats, out = blocks / halves;
//             3 = as 1, but the CPU backend's run-time Q8_0 / Q8_1 quantizer;
//             2 = dot product: in = weight row then activation row in the
//                 reference's partner format, out = ggml's CPU vec_dot result)
//   u32 type id, u32 n (elements), u32 in_size, in bytes, u32 out_size, out bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace citadel::testing {

struct ReferenceVector {
  std::uint32_t kind = 0;
  std::uint32_t type_id = 0;
  std::uint32_t n = 0;
  std::vector<std::uint8_t> in;
  std::vector<std::uint8_t> out;
};

inline constexpr std::uint32_t kDequantizeVector = 0;
inline constexpr std::uint32_t kActivationVector = 1;
inline constexpr std::uint32_t kDotVector = 2;
inline constexpr std::uint32_t kCpuBackendActivationVector = 3;

// All records, or an empty vector when the file is missing or malformed.
inline std::vector<ReferenceVector> LoadReferenceVectors() {
  std::ifstream file(std::string(CITADEL_SOURCE_DIR) + "/tests/data/kernels/reference_vectors.vec",
                     std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                  std::istreambuf_iterator<char>());
  std::size_t pos = 0;
  auto read_u32 = [&](std::uint32_t* v) {
    if (pos + 4 > bytes.size()) return false;
    std::memcpy(v, bytes.data() + pos, 4);
    pos += 4;
    return true;
  };
  auto read_blob = [&](std::vector<std::uint8_t>* blob) {
    std::uint32_t size;
    if (!read_u32(&size) || pos + size > bytes.size()) return false;
    blob->assign(bytes.begin() + pos, bytes.begin() + pos + size);
    pos += size;
    return true;
  };
  std::vector<ReferenceVector> records;
  std::uint32_t count;
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "CKV1", 4) != 0) return records;
  pos = 4;
  if (!read_u32(&count)) return records;
  for (std::uint32_t i = 0; i < count; ++i) {
    ReferenceVector r;
    if (!read_u32(&r.kind) || !read_u32(&r.type_id) || !read_u32(&r.n) || !read_blob(&r.in) ||
        !read_blob(&r.out)) {
      return {};
    }
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace citadel::testing
