#include "model/quant_mix.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace citadel::model {
namespace {

TEST(QuantMixTest, FileTypeNumbersAreTheReferencesGeneralFileType) {
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kF32), 0u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kF16), 1u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ4_0), 2u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ8_0), 7u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ5_1), 9u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ3_K_M), 12u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ4_K_S), 14u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ4_K_M), 15u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ5_K_M), 17u);
  EXPECT_EQ(static_cast<std::uint32_t>(FileType::kQ6_K), 18u);
}

TEST(QuantMixTest, NamesParseBackCaseInsensitively) {
  for (FileType type :
       {FileType::kF32, FileType::kF16, FileType::kQ4_0, FileType::kQ4_1, FileType::kQ8_0,
        FileType::kQ5_0, FileType::kQ5_1, FileType::kQ2_K, FileType::kQ3_K_M, FileType::kQ4_K_S,
        FileType::kQ4_K_M, FileType::kQ5_K_M, FileType::kQ6_K}) {
    EXPECT_EQ(ParseFileType(FileTypeName(type)), type) << FileTypeName(type);
    EXPECT_EQ(FileTypeFromNumber(static_cast<std::uint32_t>(type)), type);
  }
  EXPECT_EQ(ParseFileType("q4_k_m"), FileType::kQ4_K_M);
  EXPECT_EQ(FileTypeName(FileType::kQ4_K_M), "Q4_K_M");
  EXPECT_EQ(ParseFileType("Q4_K"), std::nullopt);  // the reference needs _S or _M
  EXPECT_EQ(ParseFileType("IQ2_XXS"), std::nullopt);
  EXPECT_EQ(ParseFileType(""), std::nullopt);
  EXPECT_EQ(FileTypeFromNumber(4), std::nullopt);  // retired Q4_1_SOME_F16
}

TEST(QuantMixTest, OnlyWeightMatricesAreQuantized) {
  EXPECT_TRUE(IsQuantizableTensor("blk.0.attn_q.weight", 2));
  EXPECT_TRUE(IsQuantizableTensor("token_embd.weight", 2));
  EXPECT_TRUE(IsQuantizableTensor("output.weight", 2));
  EXPECT_TRUE(IsQuantizableTensor("blk.3.ffn_down_exps.weight", 3));
  EXPECT_FALSE(IsQuantizableTensor("blk.0.attn_q.weight", 1));
  EXPECT_FALSE(IsQuantizableTensor("blk.0.attn_norm.weight", 2));
  EXPECT_FALSE(IsQuantizableTensor("output_norm.weight", 1));
  EXPECT_FALSE(IsQuantizableTensor("blk.0.attn_q.bias", 2));
  EXPECT_FALSE(IsQuantizableTensor("blk.1.ffn_gate_inp.weight", 2));
  EXPECT_FALSE(IsQuantizableTensor("position_embd.weight", 2));
  EXPECT_FALSE(IsQuantizableTensor("blk.0.ssm_conv1d.weight", 2));
}

TEST(QuantMixTest, LayerIndexComesFromTheBlkPrefix) {
  EXPECT_EQ(LayerIndexOf("blk.12.attn_v.weight"), 12);
  EXPECT_EQ(LayerIndexOf("blk.0.ffn_down.weight"), 0);
  EXPECT_EQ(LayerIndexOf("output.weight"), -1);
  EXPECT_EQ(LayerIndexOf("blk.x.attn_v.weight"), -1);
  EXPECT_EQ(LayerIndexOf("blk.3"), -1);
  EXPECT_EQ(LayerIndexOf("blk.-1.attn_v.weight"), -1);
}

TEST(QuantMixTest, MoreBitsForFirstAndLastEighthAndEveryThirdLayer) {
  std::set<int> chosen;
  for (int layer = 0; layer < 32; ++layer) {
    if (UseMoreBits(layer, 32)) chosen.insert(layer);
  }
  EXPECT_EQ(chosen, (std::set<int>{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}));
}

// What the reference's llama-quantize chose for stories260K (5 layers, rows of
// 64, ffn_down rows of 172), read from its log.
TEST(QuantMixTest, Stories260KMatchesTheReference) {
  const FileType q4km = FileType::kQ4_K_M;
  EXPECT_EQ(ChooseTensorType(q4km, "output.weight", -1, 5, 64), TensorType::kQ8_0);
  EXPECT_EQ(ChooseTensorType(q4km, "token_embd.weight", -1, 5, 64), TensorType::kQ5_0);
  for (int layer = 0; layer < 5; ++layer) {
    std::string blk = "blk." + std::to_string(layer) + ".";
    bool more = layer == 2 || layer == 4;
    EXPECT_EQ(ChooseTensorType(q4km, blk + "attn_v.weight", layer, 5, 64),
              more ? TensorType::kQ8_0 : TensorType::kQ5_0)
        << layer;
    EXPECT_EQ(ChooseTensorType(q4km, blk + "attn_q.weight", layer, 5, 64), TensorType::kQ5_0);
    EXPECT_EQ(ChooseTensorType(q4km, blk + "ffn_up.weight", layer, 5, 64), TensorType::kQ5_0);
    EXPECT_EQ(ChooseTensorType(q4km, blk + "ffn_down.weight", layer, 5, 172), TensorType::kF16);
    EXPECT_EQ(ChooseTensorType(FileType::kQ8_0, blk + "ffn_down.weight", layer, 5, 172),
              TensorType::kF16);
    EXPECT_EQ(ChooseTensorType(FileType::kQ8_0, blk + "attn_v.weight", layer, 5, 64),
              TensorType::kQ8_0);
  }
  EXPECT_EQ(ChooseTensorType(FileType::kQ8_0, "output.weight", -1, 5, 64), TensorType::kQ8_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ8_0, "token_embd.weight", -1, 5, 64), TensorType::kQ8_0);
}

TEST(QuantMixTest, Q4KMGivesMoreBitsToAttnVAndFfnDownOfChosenLayers) {
  const FileType t = FileType::kQ4_K_M;
  EXPECT_EQ(ChooseTensorType(t, "output.weight", -1, 32, 4096), TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(t, "token_embd.weight", -1, 32, 4096), TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(t, "token_embd.weight", -1, 32, 4096, {.tied_embeddings = true}),
            TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.0.attn_v.weight", 0, 32, 4096), TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.4.attn_v.weight", 4, 32, 4096), TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.6.attn_v.weight", 6, 32, 4096), TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.6.ffn_down.weight", 6, 32, 14336), TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.7.ffn_down.weight", 7, 32, 14336), TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.6.attn_qkv.weight", 6, 32, 4096), TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.0.attn_q.weight", 0, 32, 4096), TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.0.attn_output.weight", 0, 32, 4096), TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(t, "blk.0.ffn_gate.weight", 0, 32, 4096), TensorType::kQ4_K);
}

TEST(QuantMixTest, OtherKMixes) {
  // Q4_K_S: attn_v of the first 4 layers and ffn_down of the first eighth get Q5_K.
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_S, "blk.3.attn_v.weight", 3, 32, 4096),
            TensorType::kQ5_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_S, "blk.4.attn_v.weight", 4, 32, 4096),
            TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_S, "blk.3.ffn_down.weight", 3, 32, 4096),
            TensorType::kQ5_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_S, "blk.4.ffn_down.weight", 4, 32, 4096),
            TensorType::kQ4_K);
  // Q5_K_M: Q6_K where Q4_K_M would.
  EXPECT_EQ(ChooseTensorType(FileType::kQ5_K_M, "blk.31.attn_v.weight", 31, 32, 4096),
            TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ5_K_M, "blk.5.attn_v.weight", 5, 32, 4096),
            TensorType::kQ5_K);
  // Q3_K_M.
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.1.attn_v.weight", 1, 32, 4096),
            TensorType::kQ5_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.2.attn_v.weight", 2, 32, 4096),
            TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.1.ffn_down.weight", 1, 32, 4096),
            TensorType::kQ5_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.2.ffn_down.weight", 2, 32, 4096),
            TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.2.attn_output.weight", 2, 32, 4096),
            TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.2.attn_q.weight", 2, 32, 4096),
            TensorType::kQ3_K);
  // Q2_K: attn_v depends on grouped-query attention.
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "blk.2.attn_v.weight", 2, 32, 4096),
            TensorType::kQ3_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "blk.2.attn_v.weight", 2, 32, 4096, {.gqa_ratio = 4}),
            TensorType::kQ4_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "blk.2.ffn_down.weight", 2, 32, 4096),
            TensorType::kQ3_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "blk.2.attn_output.weight", 2, 32, 4096),
            TensorType::kQ3_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "blk.2.ffn_up.weight", 2, 32, 4096),
            TensorType::kQ2_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "output.weight", -1, 32, 4096), TensorType::kQ6_K);
}

TEST(QuantMixTest, LegacyAndFloatFileTypes) {
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_0, "blk.0.attn_v.weight", 0, 32, 4096),
            TensorType::kQ4_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_0, "output.weight", -1, 32, 4096), TensorType::kQ6_K);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_0, "output.weight", -1, 32, 4000), TensorType::kQ8_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ5_1, "blk.0.ffn_down.weight", 0, 32, 4096),
            TensorType::kQ5_1);
  for (std::int64_t row : {4096, 172}) {
    EXPECT_EQ(ChooseTensorType(FileType::kF16, "output.weight", -1, 32, row), TensorType::kF16);
    EXPECT_EQ(ChooseTensorType(FileType::kF16, "blk.0.attn_v.weight", 0, 32, row),
              TensorType::kF16);
    EXPECT_EQ(ChooseTensorType(FileType::kF32, "blk.0.attn_v.weight", 0, 32, row),
              TensorType::kF32);
  }
}

TEST(QuantMixTest, RowsThatDoNotFitFallBack) {
  const std::int64_t row = 32 * 257;  // a multiple of 32 but not of 256
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_M, "blk.0.attn_q.weight", 0, 32, row),
            TensorType::kQ5_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_M, "blk.0.attn_v.weight", 0, 32, row),
            TensorType::kQ8_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_K_M, "output.weight", -1, 32, row), TensorType::kQ8_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ5_K_M, "blk.1.attn_q.weight", 1, 32, row),
            TensorType::kQ5_1);
  EXPECT_EQ(ChooseTensorType(FileType::kQ6_K, "blk.1.attn_q.weight", 1, 32, row),
            TensorType::kQ8_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ2_K, "blk.1.attn_q.weight", 1, 32, row),
            TensorType::kQ4_0);
  EXPECT_EQ(ChooseTensorType(FileType::kQ3_K_M, "blk.9.attn_q.weight", 9, 32, row),
            TensorType::kQ4_0);
  // Not even a multiple of 32: F16, for every quantized file type.
  EXPECT_EQ(ChooseTensorType(FileType::kQ4_0, "blk.0.attn_q.weight", 0, 32, 100), TensorType::kF16);
  EXPECT_EQ(ChooseTensorType(FileType::kQ8_0, "output.weight", -1, 32, 100), TensorType::kF16);
  EXPECT_EQ(ChooseTensorType(FileType::kQ6_K, "blk.0.attn_q.weight", 0, 32, 100), TensorType::kF16);
}

}  // namespace
}  // namespace citadel::model
