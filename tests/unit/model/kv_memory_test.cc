// KvMemory in F16 and Q8_0: sizes, the head_dim rule, and rows read back as
// the type rounds them.
#include "model/kv_memory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/activation_quant.h"
#include "kernels/dequantize.h"
#include "kernels/fp16.h"

namespace citadel::model {
namespace {

using kernels::KvCacheType;

KvShape Shape(KvCacheType type, int head_dim = 64) {
  return KvShape{.num_layers = 3,
                 .num_kv_heads = 2,
                 .head_dim = head_dim,
                 .block_size = 16,
                 .num_blocks = 5,
                 .type = type};
}

TEST(KvMemoryTest, SizesPerType) {
  // F16: 2 (k, v) * 3 layers * 2 heads * 64 dims * 2 bytes.
  EXPECT_EQ(KvMemory::BytesPerPosition(Shape(KvCacheType::kF16)), 2 * 3 * 2 * 64 * 2);
  // Q8_0: 34 bytes per 32 elements.
  EXPECT_EQ(KvMemory::BytesPerPosition(Shape(KvCacheType::kQ8_0)), 2 * 3 * 2 * 64 / 32 * 34);
  for (KvCacheType type : {KvCacheType::kF16, KvCacheType::kQ8_0}) {
    auto memory = KvMemory::Create(Shape(type));
    ASSERT_TRUE(memory.ok()) << memory.status().ToString();
    EXPECT_EQ(memory->size_bytes(), KvMemory::BytesPerPosition(Shape(type)) * 5 * 16);
    EXPECT_EQ(memory->shape().type, type);
    EXPECT_EQ(memory->LayerView(1).type, type);
  }
}

TEST(KvMemoryTest, Q8_0RejectsAHeadDimThatIsNotAMultipleOf32) {
  auto memory = KvMemory::Create(Shape(KvCacheType::kQ8_0, 48));
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(memory.status().message().find("--kv-cache-type q8_0 needs head_dim a multiple of 32"),
            std::string::npos)
      << memory.status().message();
  EXPECT_TRUE(KvMemory::Create(Shape(KvCacheType::kF16, 48)).ok());
}

std::vector<float> Row(int salt) {
  std::vector<float> row(2 * 64);
  for (std::size_t i = 0; i < row.size(); ++i) {
    row[i] = std::sin(0.3f * static_cast<float>(i) + static_cast<float>(salt)) *
             static_cast<float>(1 + i / 32);
  }
  return row;
}

TEST(KvMemoryTest, RowsReadBackAsTheTypeRoundsThem) {
  for (KvCacheType type : {KvCacheType::kF16, KvCacheType::kQ8_0}) {
    auto memory = KvMemory::Create(Shape(type));
    ASSERT_TRUE(memory.ok());
    const std::vector<float> key = Row(1), value = Row(2), other = Row(3);
    memory->StoreRows(2, 4, 15, key.data(), value.data());
    memory->StoreRows(2, 4, 14, other.data(), other.data());  // neighbours stay apart
    memory->StoreRows(1, 4, 15, other.data(), other.data());
    std::vector<float> got_key(key.size()), got_value(key.size()), expected(key.size());
    memory->LoadRows(2, 4, 15, got_key.data(), got_value.data());
    for (const auto& [in, got] : {std::pair{&key, &got_key}, std::pair{&value, &got_value}}) {
      if (type == KvCacheType::kF16) {
        for (std::size_t i = 0; i < in->size(); ++i) {
          expected[i] = kernels::F16ToF32(kernels::F32ToF16((*in)[i]));
        }
      } else {
        std::vector<kernels::BlockQ8_0> blocks(in->size() / 32);
        kernels::QuantizeRowQ8_0(in->data(), blocks.data(), static_cast<std::int64_t>(in->size()));
        kernels::DequantizeRowQ8_0(blocks.data(), expected.data(),
                                   static_cast<std::int64_t>(in->size()));
      }
      EXPECT_EQ(*got, expected);
      // Q8_0 error is at most half a step (amax / 254) of its block, plus the
      // F16 rounding of the scale.
      for (std::size_t i = 0; i < in->size(); ++i) {
        EXPECT_LE(std::fabs((*got)[i] - (*in)[i]), (1.0f + static_cast<float>(i / 32)) / 200.0f);
      }
    }
  }
}

}  // namespace
}  // namespace citadel::model
