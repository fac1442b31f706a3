// Every tensor of the real models in ../shared/models dequantizes row by row
// to the right number of finite values, bit-identical to the reference
// engine's dequantization (FNV-1a hashes in
// tests/data/kernels/shared_model_dequant_hashes.txt, produced with ggml).
#include "kernels/dequantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "test_support.h"

namespace citadel::kernels {
namespace {

struct Expected {
  std::string type;
  std::int64_t elements = 0;
  std::string hash;
};

// "file tensor" -> expected type, count and hash.
std::map<std::string, Expected> LoadExpected() {
  std::ifstream in(std::string(CITADEL_SOURCE_DIR) +
                   "/tests/data/kernels/shared_model_dequant_hashes.txt");
  std::map<std::string, Expected> expected;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, tensor;
    Expected e;
    fields >> file >> tensor >> e.type >> e.elements >> e.hash;
    expected[file + " " + tensor] = e;
  }
  return expected;
}

std::string Fnv1a64(const std::vector<float>& values) {
  std::uint64_t hash = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(values.data());
  for (std::size_t i = 0; i < values.size() * sizeof(float); ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

// Dequantizes `tensor` one row at a time, as the model loader would.
std::vector<float> DequantizeTensor(const gguf::TensorInfo& tensor) {
  const std::int64_t row_length = tensor.dims.empty() ? 0 : tensor.dims[0];
  const std::int64_t row_bytes = RowBytes(tensor.type, row_length);
  std::vector<float> values(static_cast<std::size_t>(tensor.elements));
  for (std::int64_t r = 0; r < tensor.rows(); ++r) {
    Status status = DequantizeRow(tensor.type, tensor.data.data() + r * row_bytes,
                                  values.data() + r * row_length, row_length);
    EXPECT_TRUE(status.ok()) << tensor.name << " row " << r << ": " << status.ToString();
    if (!status.ok()) break;
  }
  return values;
}

void CheckModel(const std::string& file_name, const std::map<std::string, Expected>& expected) {
  SCOPED_TRACE(file_name);
  Result<gguf::GgufFile> file =
      gguf::GgufFile::Open((testing::SharedDir() / "models" / file_name).string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  int checked = 0;
  for (const gguf::TensorInfo& tensor : file->tensors()) {
    SCOPED_TRACE(tensor.name);
    auto it = expected.find(file_name + " " + tensor.name);
    ASSERT_NE(it, expected.end()) << "no reference hash for this tensor";
    EXPECT_EQ(TensorTypeName(tensor.type), it->second.type);
    std::vector<float> values = DequantizeTensor(tensor);
    ASSERT_EQ(static_cast<std::int64_t>(values.size()), it->second.elements);
    for (float v : values) ASSERT_TRUE(std::isfinite(v));
    EXPECT_EQ(Fnv1a64(values), it->second.hash) << "differs from the reference dequantization";
    ++checked;
  }
  int listed = 0;
  for (const auto& [key, unused] : expected) listed += key.rfind(file_name + " ", 0) == 0;
  EXPECT_EQ(checked, listed) << "tensor count differs from the reference listing";
}

TEST(DequantizeConformanceTest, Stories260KMatchesReference) {
  CITADEL_REQUIRE_SHARED();
  CheckModel("stories260K.gguf", LoadExpected());
}

TEST(DequantizeConformanceTest, Llama2TinyRandomMatchesReference) {
  CITADEL_REQUIRE_SHARED();
  CheckModel("llama-2-tiny-random.gguf", LoadExpected());
}

}  // namespace
}  // namespace citadel::kernels
