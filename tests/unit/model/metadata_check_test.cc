// Model files whose metadata contradicts their tensors are refused at load,
// with one line naming the file and the field. Each test writes a tiny
// synthetic model with the project's GGUF writer, corrupts one metadata value
// and parses the bytes back.
#include "model/metadata_check.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_writer.h"
#include "model/model_config.h"
#include "model/synthetic_model.h"

namespace citadel::model {
namespace {

// The status ModelConfigFromGguf gives for a tiny model after `corrupt`.
Status LoadCorrupted(const std::function<void(gguf::GgufWriter&)>& corrupt,
                     SyntheticSpec spec = SyntheticSpec()) {
  auto writer = BuildSyntheticModel(spec, nullptr, nullptr);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  if (!writer.ok()) return writer.status();
  corrupt(*writer);
  auto bytes = writer->Serialize();
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (!bytes.ok()) return bytes.status();
  auto file = gguf::GgufFile::Parse(*bytes, "corrupt.gguf");  // borrows the bytes
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return file.status();
  return ModelConfigFromGguf(*file).status();
}

// Expects InvalidArgument, one line, naming the file and `field`.
void ExpectRefusal(const Status& status, const std::string& field) {
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  const std::string& message = status.message();
  EXPECT_EQ(message.rfind("corrupt.gguf: " + field + " ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(MetadataCheckTest, AnUntouchedFileLoads) {
  EXPECT_TRUE(LoadCorrupted([](gguf::GgufWriter&) {}).ok());
  SyntheticSpec qwen;
  qwen.architecture = "qwen2";
  EXPECT_TRUE(LoadCorrupted([](gguf::GgufWriter&) {}, qwen).ok());
}

TEST(MetadataCheckTest, AZeroContextLengthIsRefused) {
  ExpectRefusal(LoadCorrupted([](gguf::GgufWriter& w) { w.SetU32("llama.context_length", 0); }),
                "llama.context_length");
}

TEST(MetadataCheckTest, ATokenListThatDisagreesWithTheEmbeddingRowsIsRefused) {
  const Status status = LoadCorrupted([](gguf::GgufWriter& w) {
    w.SetStringArray("tokenizer.ggml.tokens", std::vector<std::string>(300, "x"));
  });
  ExpectRefusal(status, "tokenizer.ggml.tokens");
  EXPECT_NE(status.message().find("300"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("512"), std::string::npos) << status.message();
}

TEST(MetadataCheckTest, ADeclaredVocabularySizeThatDisagreesIsRefused) {
  ExpectRefusal(LoadCorrupted([](gguf::GgufWriter& w) { w.SetU32("llama.vocab_size", 1000); }),
                "llama.vocab_size");
}

TEST(MetadataCheckTest, AnEmbeddingLengthThatDisagreesWithTheEmbeddingRowsIsRefused) {
  // 128 wide with 4 heads keeps the head checks consistent with the config,
  // so the embedding table is what contradicts it.
  const Status status = LoadCorrupted([](gguf::GgufWriter& w) {
    w.SetU32("llama.embedding_length", 128);
    w.SetU32("llama.attention.key_length", 16);
    w.SetU32("llama.attention.value_length", 16);
  });
  ExpectRefusal(status, "llama.embedding_length");
}

TEST(MetadataCheckTest, SpecialTokenIdsOutsideTheVocabularyAreRefused) {
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                          "tokenizer.ggml.padding_token_id", "tokenizer.ggml.eot_token_id"}) {
    const Status status = LoadCorrupted([&](gguf::GgufWriter& w) { w.SetU32(key, 512); });
    ExpectRefusal(status, key);
    EXPECT_NE(status.message().find("outside the vocabulary of 512"), std::string::npos)
        << status.message();
  }
  ExpectRefusal(
      LoadCorrupted([](gguf::GgufWriter& w) { w.SetI32("tokenizer.ggml.unknown_token_id", -2); }),
      "tokenizer.ggml.unknown_token_id");
  // -1 (as i32, or u32 0xFFFFFFFF as converters write it) means "no such token".
  EXPECT_TRUE(LoadCorrupted([](gguf::GgufWriter& w) {
                w.SetI32("tokenizer.ggml.padding_token_id", -1);
              }).ok());
  EXPECT_TRUE(LoadCorrupted([](gguf::GgufWriter& w) {
                w.SetU32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFu);
              }).ok());
  // The last id is still inside.
  EXPECT_TRUE(LoadCorrupted([](gguf::GgufWriter& w) {
                w.SetU32("tokenizer.ggml.eos_token_id", 511);
              }).ok());
}

TEST(MetadataCheckTest, ABlockCountThatDisagreesWithTheLayerTensorsIsRefused) {
  const Status more = LoadCorrupted([](gguf::GgufWriter& w) { w.SetU32("llama.block_count", 3); });
  ExpectRefusal(more, "llama.block_count");
  EXPECT_NE(more.message().find("cover 2 layers"), std::string::npos) << more.message();
  ExpectRefusal(LoadCorrupted([](gguf::GgufWriter& w) { w.SetU32("llama.block_count", 1); }),
                "llama.block_count");
}

TEST(MetadataCheckTest, HeadCountsThatDisagreeWithTheProjectionsAreRefused) {
  // 4 KV heads of 16 need 64 rows in attn_k; the file has 2 heads' worth (32).
  const Status kv =
      LoadCorrupted([](gguf::GgufWriter& w) { w.SetU32("llama.attention.head_count_kv", 4); });
  ExpectRefusal(kv, "llama.attention.head_count_kv");
  EXPECT_NE(kv.message().find("blk.0.attn_k.weight"), std::string::npos) << kv.message();
  // An explicit head dim of 32 makes 4 query heads 128 rows; attn_q has 64.
  ExpectRefusal(LoadCorrupted([](gguf::GgufWriter& w) {
                  w.SetU32("llama.attention.key_length", 32);
                  w.SetU32("llama.attention.value_length", 32);
                  w.SetU32("llama.rope.dimension_count", 32);
                }),
                "llama.attention.head_count");
  ExpectRefusal(
      LoadCorrupted([](gguf::GgufWriter& w) { w.SetU32("llama.feed_forward_length", 256); }),
      "llama.feed_forward_length");
}

}  // namespace
}  // namespace citadel::model
