// Attention over a Q8_0 KV store (issues #5, #6): the scalar reference equals
// attention over the dequantized keys and values in F32, and every SIMD path
// equals the scalar reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/activation_quant.h"
#include "kernels/attention.h"
#include "kernels/dequantize.h"

namespace citadel::kernels {
namespace {

// A paged Q8_0 store of `blocks` blocks of `block_size` positions, `kv_heads`
// heads of `head_dim`, filled with seeded values of varied magnitude, plus the
// same rows dequantized to F32.
struct Q8Store {
  int block_size, kv_heads, head_dim, blocks;
  std::vector<BlockQ8_0> keys, values;
  std::vector<float> keys_f32, values_f32;  // dequantized, same row order

  Q8Store(int block_size_in, int kv_heads_in, int head_dim_in, int blocks_in)
      : block_size(block_size_in), kv_heads(kv_heads_in), head_dim(head_dim_in), blocks(blocks_in) {
    const std::size_t elements =
        static_cast<std::size_t>(blocks) * block_size * kv_heads * head_dim;
    std::vector<float> k(elements), v(elements);
    for (std::size_t i = 0; i < elements; ++i) {
      const float x = static_cast<float>(i);
      k[i] = std::sin(0.37f * x) * (1.0f + 3.0f * static_cast<float>((i / 32) % 5));
      v[i] = std::cos(0.11f * x) * (0.5f + static_cast<float>((i / 32) % 3));
    }
    keys.resize(elements / kQK);
    values.resize(elements / kQK);
    QuantizeRowQ8_0(k.data(), keys.data(), static_cast<std::int64_t>(elements));
    QuantizeRowQ8_0(v.data(), values.data(), static_cast<std::int64_t>(elements));
    keys_f32.resize(elements);
    values_f32.resize(elements);
    DequantizeRowQ8_0(keys.data(), keys_f32.data(), static_cast<std::int64_t>(elements));
    DequantizeRowQ8_0(values.data(), values_f32.data(), static_cast<std::int64_t>(elements));
  }

  PagedKvView View() const {
    return {keys.data(), values.data(), block_size, kv_heads, head_dim, KvCacheType::kQ8_0};
  }

  // Dense F32 attention over the dequantized rows (double accumulation).
  std::vector<float> Reference(const std::vector<float>& q, int kv_head,
                               const std::vector<std::int32_t>& table, int context,
                               float scale) const {
    std::vector<double> scores(static_cast<std::size_t>(context));
    std::vector<std::size_t> rows(scores.size());
    for (int pos = 0; pos < context; ++pos) {
      const std::size_t block = static_cast<std::size_t>(table[pos / block_size]);
      rows[pos] = ((block * block_size + pos % block_size) * kv_heads + kv_head) * head_dim;
      double dot = 0;
      for (int d = 0; d < head_dim; ++d) dot += double{q[d]} * keys_f32[rows[pos] + d];
      scores[pos] = dot * scale;
    }
    const double max = *std::max_element(scores.begin(), scores.end());
    double z = 0;
    for (double& s : scores) z += (s = std::exp(s - max));
    std::vector<float> out(static_cast<std::size_t>(head_dim));
    for (int d = 0; d < head_dim; ++d) {
      double sum = 0;
      for (int pos = 0; pos < context; ++pos) sum += scores[pos] / z * values_f32[rows[pos] + d];
      out[d] = static_cast<float>(sum);
    }
    return out;
  }
};

std::vector<float> Query(int head_dim) {
  std::vector<float> q(static_cast<std::size_t>(head_dim));
  for (int d = 0; d < head_dim; ++d) q[d] = 0.05f * static_cast<float>(d % 7) - 0.1f;
  return q;
}

TEST(AttentionQ8_0Test, ScalarEqualsF32AttentionOverDequantizedRows) {
  for (int head_dim : {32, 64, 128}) {
    const Q8Store store(4, 2, head_dim, 3);
    const std::vector<std::int32_t> table = {2, 0, 1};
    const std::vector<float> q = Query(head_dim);
    std::vector<float> scores(16), got(static_cast<std::size_t>(head_dim));
    for (int context = 1; context <= 12; ++context) {
      for (int kv_head = 0; kv_head < 2; ++kv_head) {
        AttendHeadAtLevel(SimdLevel::kScalar, q, store.View(), kv_head, table, context, 0.3f,
                          {scores}, got);
        const std::vector<float> expected = store.Reference(q, kv_head, table, context, 0.3f);
        for (int d = 0; d < head_dim; ++d) {
          ASSERT_NEAR(got[d], expected[d], 2e-6f + 2e-6f * std::fabs(expected[d]))
              << "head_dim " << head_dim << " context " << context << " d " << d;
        }
      }
    }
  }
}

TEST(AttentionQ8_0Test, SimdPathsMatchTheScalarReference) {
  for (int head_dim : {32, 64, 96}) {
    const Q8Store store(4, 3, head_dim, 4);
    const std::vector<std::int32_t> table = {3, 1, 0, 2};
    const std::vector<float> q = Query(head_dim);
    std::vector<float> scores(16), expected(static_cast<std::size_t>(head_dim)),
        got(expected.size());
    for (int context = 1; context <= 16; ++context) {
      AttendHeadAtLevel(SimdLevel::kScalar, q, store.View(), 2, table, context, 0.25f, {scores},
                        expected);
      for (SimdLevel level : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
        AttendHeadAtLevel(level, q, store.View(), 2, table, context, 0.25f, {scores}, got);
        for (int d = 0; d < head_dim; ++d) {
          ASSERT_NEAR(got[d], expected[d], 1e-5f + 1e-5f * std::fabs(expected[d]))
              << "head_dim " << head_dim << " context " << context;
        }
      }
    }
  }
}

TEST(AttentionQ8_0Test, OtherHeadsAndUnusedSlotsDoNotLeakIn) {
  // 3 blocks of 2 slots, 2 heads of 32 (one BlockQ8_0 per row). The sequence
  // {2, 0} over 3 positions reads block 2 slots 0-1 and block 0 slot 0; every
  // other row, and head 0 everywhere, holds 1000s that must not leak in.
  Q8Store store(2, 2, 32, 3);
  std::vector<float> huge(32, 1000.0f);
  for (std::size_t r = 0; r < store.keys.size(); ++r) {
    const std::size_t head = r % 2, block_slot = r / 2;  // block * 2 + slot
    if (head == 1 && (block_slot == 4 || block_slot == 5 || block_slot == 0)) continue;
    QuantizeRowQ8_0(huge.data(), &store.keys[r], 32);
    QuantizeRowQ8_0(huge.data(), &store.values[r], 32);
  }
  DequantizeRowQ8_0(store.keys.data(), store.keys_f32.data(),
                    static_cast<std::int64_t>(store.keys_f32.size()));
  DequantizeRowQ8_0(store.values.data(), store.values_f32.data(),
                    static_cast<std::int64_t>(store.values_f32.size()));
  const std::vector<std::int32_t> table = {2, 0};
  const std::vector<float> q = Query(32);
  std::vector<float> scores(4), got(32);
  AttendHead(q, store.View(), 1, table, 3, 0.2f, {scores}, got);
  const std::vector<float> expected = store.Reference(q, 1, table, 3, 0.2f);
  for (int d = 0; d < 32; ++d) {
    ASSERT_LT(std::fabs(got[d]), 100.0f) << d;
    ASSERT_NEAR(got[d], expected[d], 1e-5f) << d;
  }
}

}  // namespace
}  // namespace citadel::kernels
