// ModelSummary: hyper-parameters, tensor mix and the memory estimate that
// `citadel inspect` reports, computed from files the test writes.
#include "gguf/model_summary.h"

#include <gtest/gtest.h>

#include "gguf/gguf_writer.h"

namespace citadel::gguf {
namespace {

// The file borrows `bytes`: refuse temporaries.
GgufFile ParseOrDie(std::vector<std::uint8_t>&& bytes) = delete;
GgufFile ParseOrDie(const std::vector<std::uint8_t>& bytes) {
  auto file = GgufFile::Parse(bytes, "summary.gguf");
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return std::move(file).value();
}

std::vector<std::uint8_t> Serialize(const GgufWriter& w) {
  auto bytes = w.Serialize();
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return std::move(bytes).value();
}

GgufWriter TinyLlama() {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  w.SetString("general.name", "tiny");
  w.SetU32("general.file_type", 15);
  w.SetU32("llama.context_length", 2048);
  w.SetU32("llama.embedding_length", 64);
  w.SetU32("llama.block_count", 3);
  w.SetU32("llama.attention.head_count", 8);
  w.SetU32("llama.attention.head_count_kv", 2);
  w.SetString("tokenizer.ggml.model", "gpt2");
  w.SetString("tokenizer.ggml.pre", "qwen2");
  w.SetStringArray("tokenizer.ggml.tokens", {"a", "b", "c"});
  w.SetString("tokenizer.chat_template", "{{ messages }}");
  EXPECT_TRUE(w.AddTensor("f32", TensorType::kF32, {64}, std::vector<std::uint8_t>(256)).ok());
  EXPECT_TRUE(w.AddTensor("q8a", TensorType::kQ8_0, {64, 2}, std::vector<std::uint8_t>(136)).ok());
  EXPECT_TRUE(w.AddTensor("q8b", TensorType::kQ8_0, {32, 4}, std::vector<std::uint8_t>(136)).ok());
  return w;
}

TEST(ModelSummaryTest, ReportsHyperParametersAndTokenizer) {
  auto bytes = Serialize(TinyLlama());
  GgufFile file = ParseOrDie(bytes);
  ModelSummary s = SummarizeModel(file);
  EXPECT_EQ(s.architecture, "llama");
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.file_type, 15u);
  EXPECT_EQ(s.file_type_name, "Q4_K_M");
  EXPECT_EQ(s.context_length, 2048u);
  EXPECT_EQ(s.embedding_length, 64u);
  EXPECT_EQ(s.block_count, 3u);
  EXPECT_EQ(s.head_count, 8u);
  EXPECT_EQ(s.head_count_kv, 2u);
  EXPECT_EQ(s.key_length, 8u);  // 64 / 8 heads when key_length is absent
  EXPECT_EQ(s.vocab_size, 3u);
  EXPECT_EQ(s.tokenizer_model, "gpt2");
  EXPECT_EQ(s.tokenizer_pre, "qwen2");
  EXPECT_TRUE(s.has_chat_template);
  EXPECT_EQ(s.file_size_bytes, bytes.size());
}

TEST(ModelSummaryTest, CountsParametersBytesAndTypeMix) {
  auto bytes = Serialize(TinyLlama());  // the file borrows these bytes
  GgufFile file = ParseOrDie(bytes);
  ModelSummary s = SummarizeModel(file);
  EXPECT_EQ(s.parameter_count, 64 + 128 + 128);
  EXPECT_EQ(s.weight_bytes, 256u + 136u + 136u);
  ASSERT_EQ(s.tensor_types.size(), 2u);
  EXPECT_EQ(s.tensor_types[0].type, TensorType::kQ8_0);  // largest first
  EXPECT_EQ(s.tensor_types[0].count, 2);
  EXPECT_EQ(s.tensor_types[0].bytes, 272u);
  EXPECT_EQ(s.tensor_types[1].type, TensorType::kF32);
  EXPECT_EQ(s.tensor_types[1].elements, 64);
}

TEST(ModelSummaryTest, KvCacheEstimateFollowsTheF16Formula) {
  auto bytes = Serialize(TinyLlama());  // the file borrows these bytes
  GgufFile file = ParseOrDie(bytes);
  // 2 (K and V) x 3 layers x 2 KV heads x 8 head dim x 2 bytes x 1,000 tokens.
  EXPECT_EQ(SummarizeModel(file).kv_cache_bytes_per_1k_tokens, 2u * 3 * 2 * 8 * 2 * 1000);
}

TEST(ModelSummaryTest, PerLayerHeadCountsAndExplicitHeadSizes) {
  GgufWriter w = TinyLlama();
  w.SetI32Array("llama.attention.head_count_kv", {1, 2, 4});
  w.SetU32("llama.attention.key_length", 16);
  w.SetU32("llama.attention.value_length", 32);
  auto bytes = Serialize(w);  // the file borrows these bytes
  GgufFile file = ParseOrDie(bytes);
  ModelSummary s = SummarizeModel(file);
  EXPECT_EQ(s.head_count_kv, 4u);
  EXPECT_EQ(s.key_length, 16u);
  EXPECT_EQ(s.value_length, 32u);
  // (1 + 2 + 4) heads x (16 + 32) x 2 bytes x 1,000.
  EXPECT_EQ(s.kv_cache_bytes_per_1k_tokens, 7u * 48 * 2 * 1000);
}

TEST(ModelSummaryTest, MissingOrAbsurdValuesAreAbsentNotErrors) {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  w.SetString("llama.block_count", "three");  // wrong type
  w.SetU64("llama.attention.head_count", ~0ull);
  w.SetU64("llama.embedding_length", ~0ull);
  w.SetU32("llama.vocab_size", 99);
  auto bytes = Serialize(w);  // the file borrows these bytes
  GgufFile file = ParseOrDie(bytes);
  ModelSummary s = SummarizeModel(file);
  EXPECT_FALSE(s.block_count.has_value());
  EXPECT_FALSE(s.kv_cache_bytes_per_1k_tokens.has_value());
  EXPECT_FALSE(s.file_type.has_value());
  EXPECT_EQ(s.vocab_size, 99u);  // from ARCH.vocab_size when there is no token list
  EXPECT_EQ(s.parameter_count, 0);

  w.SetU64("llama.block_count", ~0ull);  // the product overflows 64 bits
  auto overflow_bytes = Serialize(w);
  s = SummarizeModel(ParseOrDie(overflow_bytes));
  EXPECT_FALSE(s.kv_cache_bytes_per_1k_tokens.has_value());
}

TEST(ModelSummaryTest, FileTypeNames) {
  EXPECT_EQ(FileTypeName(0), "ALL_F32");
  EXPECT_EQ(FileTypeName(1), "F16");
  EXPECT_EQ(FileTypeName(7), "Q8_0");
  EXPECT_EQ(FileTypeName(18), "Q6_K");
  EXPECT_EQ(FileTypeName(32), "BF16");
  EXPECT_EQ(FileTypeName(4), "unknown (4)");
  EXPECT_EQ(FileTypeName(1000), "unknown (1000)");
}

}  // namespace
}  // namespace citadel::gguf
