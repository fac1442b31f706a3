#include "kernels/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/block_formats.h"
#include "kernels/dequantize.h"
#include "kernels/fp16.h"
#include "util/thread_pool.h"

namespace citadel::kernels {
namespace {

std::vector<float> SeededNormal(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

std::vector<std::uint8_t> Quantize(TensorType type, const std::vector<float>& x) {
  std::int64_t n = static_cast<std::int64_t>(x.size());
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(RowBytes(type, n)));
  Status status = QuantizeRow(type, x.data(), packed.data(), n);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return packed;
}

std::vector<float> RoundTrip(TensorType type, const std::vector<float>& x) {
  std::vector<std::uint8_t> packed = Quantize(type, x);
  std::vector<float> y(x.size());
  Status status = DequantizeRow(type, packed.data(), y.data(), static_cast<std::int64_t>(x.size()));
  EXPECT_TRUE(status.ok()) << status.ToString();
  return y;
}

double Rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  return std::sqrt(sum / static_cast<double>(x.size()));
}

struct ErrorBound {
  TensorType type;
  double max_rmse;  // on standard-normal data; measured value + ~1%
};

// Measured on these 65536 values of N(0, 1) (the reference quantizer's
// errors agree to 4 digits on the same data): f16 2.071e-4, bf16 1.660e-3,
// q4_0 0.08614, q4_1 0.07839, q5_0 0.04258, q5_1 0.03769, q8_0 0.005354,
// q2_K 0.2961, q3_K 0.1506, q4_K 0.07144, q5_K 0.03613, q6_K 0.01772.
constexpr ErrorBound kBounds[] = {
    {TensorType::kF16, 2.10e-4},  {TensorType::kBF16, 1.68e-3}, {TensorType::kQ4_0, 0.0870},
    {TensorType::kQ4_1, 0.0792},  {TensorType::kQ5_0, 0.0430},  {TensorType::kQ5_1, 0.0381},
    {TensorType::kQ8_0, 0.00541}, {TensorType::kQ2_K, 0.2990},  {TensorType::kQ3_K, 0.1521},
    {TensorType::kQ4_K, 0.0722},  {TensorType::kQ5_K, 0.0365},  {TensorType::kQ6_K, 0.0179},
};

class QuantizeTypeTest : public ::testing::TestWithParam<ErrorBound> {};

TEST_P(QuantizeTypeTest, NormalDataRoundTripsWithinErrorBound) {
  const ErrorBound& bound = GetParam();
  std::vector<float> x = SeededNormal(65536, 1234);
  double rmse = Rmse(x, RoundTrip(bound.type, x));
  EXPECT_LE(rmse, bound.max_rmse) << TensorTypeName(bound.type);
  // A quantizer that dropped half its levels would still pass the bound on
  // some types; the error must also be in the right range, not near zero.
  EXPECT_GE(rmse, bound.max_rmse * 0.9) << TensorTypeName(bound.type);
}

TEST_P(QuantizeTypeTest, ZerosStayZero) {
  TensorType type = GetParam().type;
  std::vector<float> x(512, 0.0f);
  for (float v : RoundTrip(type, x)) ASSERT_EQ(v, 0.0f) << TensorTypeName(type);
}

TEST_P(QuantizeTypeTest, ConstantRowsComeBackClose) {
  TensorType type = GetParam().type;
  for (float c : {1.0f, -3.5f, 1e-3f}) {
    std::vector<float> x(512, c);
    for (float v : RoundTrip(type, x)) {
      ASSERT_TRUE(std::isfinite(v));
      // The coarsest type, Q2_K, stores a constant to within a few percent.
      ASSERT_NEAR(v, c, std::fabs(c) * 0.05f) << TensorTypeName(type) << " constant " << c;
    }
  }
}

TEST_P(QuantizeTypeTest, WideDynamicRangeGivesFiniteValues) {
  TensorType type = GetParam().type;
  std::vector<float> x = SeededNormal(512, 7);
  x[3] = 65504.0f;  // the largest accepted magnitude
  x[300] = -65504.0f;
  x[10] = 1e-30f;
  std::vector<float> y = RoundTrip(type, x);
  for (std::size_t i = 0; i < y.size(); ++i)
    ASSERT_TRUE(std::isfinite(y[i])) << TensorTypeName(type) << " at " << i;
  EXPECT_NEAR(y[3], 65504.0f, 65504.0f * 0.15f) << TensorTypeName(type);
}

TEST_P(QuantizeTypeTest, OutputIsDeterministic) {
  TensorType type = GetParam().type;
  std::vector<float> x = SeededNormal(1024, 99);
  EXPECT_EQ(Quantize(type, x), Quantize(type, x));
}

TEST_P(QuantizeTypeTest, RowLengthNotMultipleOfBlockIsRejected) {
  TensorType type = GetParam().type;
  std::int64_t block = Traits(type).block_elements;
  std::int64_t n = block == 1 ? -1 : block + 16;
  std::vector<float> x(static_cast<std::size_t>(block + 16), 1.0f);
  std::vector<std::uint8_t> dst(4096, 0xAB);
  Status status = QuantizeRow(type, x.data(), dst.data(), n);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(dst, std::vector<std::uint8_t>(4096, 0xAB));
}

TEST_P(QuantizeTypeTest, NonFiniteInputIsRejectedAndDstUntouched) {
  TensorType type = GetParam().type;
  for (float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> x(256, 0.5f);
    x[100] = bad;
    std::vector<std::uint8_t> dst(1024, 0xCD);
    Status status = QuantizeRow(type, x.data(), dst.data(), 256);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << TensorTypeName(type);
    EXPECT_NE(status.message().find("index 100"), std::string::npos) << status.message();
    EXPECT_EQ(dst, std::vector<std::uint8_t>(1024, 0xCD));
  }
}

std::string BoundName(const ::testing::TestParamInfo<ErrorBound>& info) {
  return std::string(TensorTypeName(info.param.type));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantizeTypeTest, ::testing::ValuesIn(kBounds), BoundName);

TEST(QuantizeTest, MagnitudeBeyondF16RangeIsRejectedWhereScalesAreF16) {
  std::vector<float> x(256, 1.0f);
  x[5] = 70000.0f;
  std::vector<std::uint8_t> dst(2048);
  EXPECT_EQ(QuantizeRow(TensorType::kQ8_0, x.data(), dst.data(), 256).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(QuantizeRow(TensorType::kQ4_K, x.data(), dst.data(), 256).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(QuantizeRow(TensorType::kF16, x.data(), dst.data(), 256).code(),
            StatusCode::kInvalidArgument);
  // BF16 has the F32 exponent range, and F32 is a copy.
  EXPECT_TRUE(QuantizeRow(TensorType::kBF16, x.data(), dst.data(), 256).ok());
  EXPECT_TRUE(QuantizeRow(TensorType::kF32, x.data(), dst.data(), 256).ok());
}

TEST(QuantizeTest, UnsupportedTypesAreRejected) {
  std::vector<float> x(256, 1.0f);
  std::vector<std::uint8_t> dst(2048);
  for (TensorType type :
       {TensorType::kQ8_K, TensorType::kQ8_1, TensorType::kIQ4_NL, TensorType::kI32}) {
    EXPECT_FALSE(CanQuantizeTo(type));
    EXPECT_EQ(QuantizeRow(type, x.data(), dst.data(), 256).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(CanQuantizeTo(TensorType::kQ5_K));
}

TEST(QuantizeTest, F32IsAnExactCopyIncludingSpecialValues) {
  std::vector<float> x = {1.5f, -0.0f, std::numeric_limits<float>::infinity(), 3e38f};
  std::vector<float> y(4);
  ASSERT_TRUE(QuantizeRow(TensorType::kF32, x.data(), y.data(), 4).ok());
  EXPECT_EQ(std::memcmp(x.data(), y.data(), sizeof(float) * 4), 0);
}

// Values on a block's own grid come back exactly.
TEST(QuantizeTest, RepresentableValuesRoundTripExactly) {
  std::vector<float> q8(64);
  std::vector<float> q4_0(64);
  std::vector<float> q4_1(64);
  std::vector<float> q5_0(64);
  std::vector<float> q5_1(64);
  for (int i = 0; i < 64; ++i) {
    q8[i] = 0.125f * static_cast<float>((i * 37) % 255 - 127);  // max 127 * 0.125 present
    q4_0[i] = 0.5f * static_cast<float>((i * 7) % 16 - 8);      // -8 * 0.5 present
    q4_1[i] = -1.0f + 0.25f * static_cast<float>((i * 7) % 16);
    q5_0[i] = 0.25f * static_cast<float>((i * 13) % 32 - 16);
    q5_1[i] = 2.0f + 0.125f * static_cast<float>((i * 13) % 32);
  }
  EXPECT_EQ(RoundTrip(TensorType::kQ8_0, q8), q8);
  EXPECT_EQ(RoundTrip(TensorType::kQ4_0, q4_0), q4_0);
  EXPECT_EQ(RoundTrip(TensorType::kQ4_1, q4_1), q4_1);
  EXPECT_EQ(RoundTrip(TensorType::kQ5_0, q5_0), q5_0);
  EXPECT_EQ(RoundTrip(TensorType::kQ5_1, q5_1), q5_1);
  std::vector<float> halves = {1.0f,  -2.5f,          65504.0f, 0.0009765625f,
                               -0.0f, 6.1035156e-05f, 1024.0f,  3.0f};
  EXPECT_EQ(RoundTrip(TensorType::kF16, halves), halves);
  std::vector<float> bf16 = {1.0f, -2.5f,  3.3895314e38f, 1.1754944e-38f,
                             0.0f, 256.0f, -0.15625f,     7.0f};
  EXPECT_EQ(RoundTrip(TensorType::kBF16, bf16), bf16);
}

// A Q6_K super-block whose values sit on its 64-level grid (every sub-block
// reaching the extreme level -32) comes back to within the F16 rounding of
// the super-scale (relative 2^-11), far below one level (0.01).
TEST(QuantizeTest, KQuantGridValuesRoundTripClosely) {
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i)
    x[i] = 0.01f * static_cast<float>(i % 16 == 0 ? -32 : (i * 11) % 64 - 32);
  std::vector<float> y = RoundTrip(TensorType::kQ6_K, x);
  for (int i = 0; i < 256; ++i) ASSERT_NEAR(y[i], x[i], 0.32f * 1e-3f) << i;
}

// 65536 values from a splitmix64 stream using only exact integer conversions
// and correctly rounded float products, so every platform builds the same
// input bit for bit.
std::vector<float> PortableValues() {
  std::vector<float> values(65536);
  std::uint64_t state = 2024;
  for (float& v : values) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    float u1 = static_cast<float>(static_cast<std::int32_t>((z >> 40) & 0xFFFFFF)) / 16777216.0f;
    float u2 =
        static_cast<float>(static_cast<std::int32_t>((z >> 16) & 0xFFFFFF)) / 16777216.0f - 0.5f;
    v = u1 * u2 * 3.0f;
  }
  return values;
}

std::uint64_t Fnv1a(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (std::uint8_t b : bytes) {
    hash ^= b;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// FNV-1a of the bytes the reference engine's ggml_quantize_chunk (no
// importance matrix) writes for PortableValues() as 256 rows of 256: Citadel's
// files are byte-identical to the reference quantizer's. (This many blocks
// matter: a float summed in a different order changes ~0.3% of K-quant blocks.)
TEST(QuantizeTest, OutputBytesMatchTheReferenceQuantizer) {
  struct Golden {
    TensorType type;
    std::uint64_t fnv1a;
  };
  constexpr Golden kGolden[] = {
      {TensorType::kF16, 0x8d40927fad5c2eb5ull},  {TensorType::kBF16, 0xb4495df4e8865969ull},
      {TensorType::kQ4_0, 0xf4b3c079af4049f5ull}, {TensorType::kQ4_1, 0xdc690b9f8b7eac03ull},
      {TensorType::kQ5_0, 0x6394775fdc73854bull}, {TensorType::kQ5_1, 0xb7f5f7cf1103908bull},
      {TensorType::kQ8_0, 0x6c011bd0e2440610ull}, {TensorType::kQ2_K, 0x21dfc01657fe2c1eull},
      {TensorType::kQ3_K, 0x6e68a7a4fc4cde07ull}, {TensorType::kQ4_K, 0xfc95cb3e6135682eull},
      {TensorType::kQ5_K, 0xb1055c3f03189454ull}, {TensorType::kQ6_K, 0x67a7aa9a9155e33full},
  };
  std::vector<float> x = PortableValues();
  for (const Golden& golden : kGolden) {
    EXPECT_EQ(Fnv1a(Quantize(golden.type, x)), golden.fnv1a) << TensorTypeName(golden.type);
  }
}

TEST(QuantizeTest, TensorMatchesRowByRowWithAndWithoutPool) {
  const std::int64_t rows = 37;
  const std::int64_t cols = 512;
  std::vector<float> x = SeededNormal(static_cast<std::size_t>(rows * cols), 5);
  for (TensorType type : {TensorType::kQ4_K, TensorType::kQ8_0, TensorType::kF16}) {
    const std::int64_t row_bytes = RowBytes(type, cols);
    std::vector<std::uint8_t> expected(static_cast<std::size_t>(rows * row_bytes));
    for (std::int64_t r = 0; r < rows; ++r) {
      ASSERT_TRUE(
          QuantizeRow(type, x.data() + r * cols, expected.data() + r * row_bytes, cols).ok());
    }
    std::vector<std::uint8_t> serial(expected.size());
    ASSERT_TRUE(QuantizeTensor(type, x.data(), serial.data(), rows, cols, nullptr).ok());
    EXPECT_EQ(serial, expected);
    ThreadPool pool(3);
    std::vector<std::uint8_t> parallel(expected.size());
    ASSERT_TRUE(QuantizeTensor(type, x.data(), parallel.data(), rows, cols, &pool).ok());
    EXPECT_EQ(parallel, expected);
  }
}

TEST(QuantizeTest, TensorReportsTheFirstBadRow) {
  const std::int64_t rows = 16;
  const std::int64_t cols = 64;
  std::vector<float> x(static_cast<std::size_t>(rows * cols), 0.25f);
  x[9 * cols + 3] = std::numeric_limits<float>::infinity();
  x[12 * cols + 1] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::uint8_t> dst(static_cast<std::size_t>(RowBytes(TensorType::kQ8_0, cols) * rows));
  ThreadPool pool(4);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    Status status = QuantizeTensor(TensorType::kQ8_0, x.data(), dst.data(), rows, cols, p);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find("row 9"), std::string::npos) << status.message();
  }
  EXPECT_EQ(QuantizeTensor(TensorType::kQ4_K, x.data(), dst.data(), rows, cols, nullptr).code(),
            StatusCode::kInvalidArgument);  // 64 is not a multiple of 256
  EXPECT_EQ(QuantizeTensor(TensorType::kQ8_0, x.data(), dst.data(), -1, cols, nullptr).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace citadel::kernels
