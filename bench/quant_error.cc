// quant_error: RMSE of Citadel's quantizers per weight type, on the data the
// reference quantizer is measured on (see the issue-3 note): 2^20 seeded
// standard-normal values, and the F32 weight tensors (2-D or more) of a GGUF
// model concatenated in file order and cut to a multiple of 256.
//
//   quant_error [MODEL.gguf]   (default ../shared/models/stories260K.gguf)
//
// Quantizes in rows of 256 (every type's block size divides it), dequantizes,
// and prints one line per type. The normal generator (splitmix64 + Box-Muller
// in double) is spelled out so another program can reproduce the same data.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "kernels/dequantize.h"
#include "kernels/quantize.h"

namespace {

using citadel::TensorType;

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<float> StandardNormal(std::size_t n, std::uint64_t seed) {
  std::vector<float> values(n);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < n; i += 2) {
    double u1 = static_cast<double>((SplitMix64(state) >> 11) + 1) * 0x1.0p-53;
    double u2 = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
    double radius = std::sqrt(-2.0 * std::log(u1));
    values[i] = static_cast<float>(radius * std::cos(2.0 * std::numbers::pi * u2));
    if (i + 1 < n)
      values[i + 1] = static_cast<float>(radius * std::sin(2.0 * std::numbers::pi * u2));
  }
  return values;
}

citadel::Result<std::vector<float>> ModelWeights(const std::string& path) {
  CITADEL_ASSIGN_OR_RETURN(citadel::gguf::GgufFile file, citadel::gguf::GgufFile::Open(path));
  std::vector<float> values;
  for (const citadel::gguf::TensorInfo& tensor : file.tensors()) {
    if (tensor.type != TensorType::kF32 || tensor.dims.size() < 2) continue;
    std::size_t old_size = values.size();
    values.resize(old_size + static_cast<std::size_t>(tensor.elements));
    std::memcpy(values.data() + old_size, tensor.data.data(), tensor.data.size());
  }
  values.resize(values.size() / 256 * 256);
  return values;
}

citadel::Result<double> RoundTripRmse(TensorType type, const std::vector<float>& x) {
  constexpr std::int64_t kRow = 256;
  const std::int64_t rows = static_cast<std::int64_t>(x.size()) / kRow;
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(citadel::RowBytes(type, kRow) * rows));
  CITADEL_TRY(citadel::kernels::QuantizeTensor(type, x.data(), packed.data(), rows, kRow, nullptr));
  std::vector<float> y(x.size());
  CITADEL_TRY(citadel::kernels::DequantizeRow(type, packed.data(), y.data(), rows * kRow));
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  return std::sqrt(sum / static_cast<double>(x.size()));
}

}  // namespace

int main(int argc, char** argv) {
  std::string model =
      argc > 1 ? argv[1] : std::string(CITADEL_SHARED_DIR) + "/models/stories260K.gguf";
  std::vector<float> normal = StandardNormal(std::size_t{1} << 20, 42);
  auto weights = ModelWeights(model);
  if (!weights.ok()) {
    std::fprintf(stderr, "quant_error: %s\n", weights.status().ToString().c_str());
    return 1;
  }
  std::printf("weights: %zu values from %s\n", weights->size(), model.c_str());
  std::printf("%-6s %14s %14s\n", "type", "normal_rmse", "weights_rmse");
  const TensorType types[] = {TensorType::kF16,  TensorType::kBF16, TensorType::kQ4_0,
                              TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1,
                              TensorType::kQ8_0, TensorType::kQ2_K, TensorType::kQ3_K,
                              TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};
  for (TensorType type : types) {
    auto on_normal = RoundTripRmse(type, normal);
    auto on_weights = RoundTripRmse(type, *weights);
    if (!on_normal.ok() || !on_weights.ok()) {
      std::fprintf(stderr, "quant_error: %s\n",
                   (on_normal.ok() ? on_weights.status() : on_normal.status()).ToString().c_str());
      return 1;
    }
    std::printf("%-6s %14.8f %14.8f\n", std::string(citadel::TensorTypeName(type)).c_str(),
                *on_normal, *on_weights);
  }
  return 0;
}
