// Typed metadata access: lossless conversions between storage types, and
// errors that name the file and the key.
#include "gguf/gguf_file.h"

#include <gtest/gtest.h>

#include "gguf/gguf_writer.h"

namespace citadel::gguf {
namespace {

class GgufFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GgufWriter w;
    w.SetI32("stored.i32", 4096);
    w.SetI32("stored.negative", -1);
    w.SetU64("stored.big", 1ull << 40);
    w.SetU8("stored.u8", 7);
    w.SetF32("stored.float", 1e-5f);
    w.SetF64("stored.double_whole", 32.0);
    w.SetF64("stored.double_fraction", 0.1);
    w.SetU32("stored.u32_big", 1u << 30);
    w.SetBool("stored.bool", false);
    w.SetString("stored.string", "llama");
    auto bytes = w.Serialize();
    ASSERT_TRUE(bytes.ok());
    bytes_ = std::move(bytes).value();
    auto file = GgufFile::Parse(bytes_, "model.gguf");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    file_ = std::make_unique<GgufFile>(std::move(file).value());
  }

  std::vector<std::uint8_t> bytes_;
  std::unique_ptr<GgufFile> file_;
};

TEST_F(GgufFileTest, IntegersConvertWhenTheValueFits) {
  EXPECT_EQ(*file_->GetU32("stored.i32"), 4096u);
  EXPECT_EQ(*file_->GetI32("stored.i32"), 4096);
  EXPECT_EQ(*file_->GetU64("stored.i32"), 4096u);
  EXPECT_EQ(*file_->GetU32("stored.u8"), 7u);
  EXPECT_EQ(*file_->GetU64("stored.big"), 1ull << 40);
  EXPECT_EQ(*file_->GetU32("stored.double_whole"), 32u);
  EXPECT_EQ(*file_->GetI32("stored.negative"), -1);
}

TEST_F(GgufFileTest, LossyConversionsFailNamingFileKeyAndValue) {
  auto negative = file_->GetU32("stored.negative");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(negative.status().message().find("model.gguf"), std::string::npos);
  EXPECT_NE(negative.status().message().find("stored.negative"), std::string::npos);
  EXPECT_NE(negative.status().message().find("-1"), std::string::npos);
  EXPECT_FALSE(file_->GetU32("stored.big").ok());
  EXPECT_FALSE(file_->GetI32("stored.big").ok());
  EXPECT_FALSE(file_->GetU32("stored.double_fraction").ok());
  EXPECT_FALSE(file_->GetF32("stored.double_fraction").ok());  // 0.1 is not a float
  EXPECT_FALSE(file_->GetU32("stored.string").ok());
  EXPECT_FALSE(file_->GetBool("stored.u8").ok());
  EXPECT_FALSE(file_->GetString("stored.u8").ok());
  EXPECT_FALSE(file_->GetStringArray("stored.string").ok());
  EXPECT_FALSE(file_->GetF32Array("stored.u8").ok());
}

TEST_F(GgufFileTest, FloatsAcceptExactIntegers) {
  EXPECT_EQ(*file_->GetF32("stored.float"), 1e-5f);
  EXPECT_EQ(*file_->GetF32("stored.i32"), 4096.0f);
  EXPECT_EQ(*file_->GetF32("stored.double_whole"), 32.0f);
  EXPECT_EQ(*file_->Find("stored.float")->AsF64(), static_cast<double>(1e-5f));
}

TEST_F(GgufFileTest, MissingKeysAreNotFound) {
  auto missing = file_->GetU32("llama.block_count");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("llama.block_count"), std::string::npos);
  EXPECT_EQ(file_->GetStringArray("x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file_->GetF32Array("x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file_->GetI32Array("x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file_->Find("x"), nullptr);
  EXPECT_FALSE(file_->Has("x"));
  EXPECT_TRUE(file_->Has("stored.bool"));
  EXPECT_EQ(*file_->GetBool("stored.bool"), false);
  EXPECT_EQ(*file_->GetString("stored.string"), "llama");
}

TEST_F(GgufFileTest, DebugStringShowsValues) {
  EXPECT_EQ(file_->Find("stored.i32")->DebugString(), "4096");
  EXPECT_EQ(file_->Find("stored.string")->DebugString(), "\"llama\"");
  EXPECT_EQ(file_->Find("stored.string")->DebugString(2), "\"ll\"...");
  EXPECT_EQ(file_->Find("stored.bool")->DebugString(), "false");
  EXPECT_EQ(file_->Find("stored.float")->DebugString(), "1e-05");  // shortest exact float text
}

TEST(GgufFileVersionTest, EmptyFileWithoutTensorsParses) {
  GgufWriter w;
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 24u);
  auto file = GgufFile::Parse(*bytes, "empty");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE(file->metadata().empty());
  EXPECT_TRUE(file->tensors().empty());
}

TEST(GgufFileVersionTest, VersionTwoReadsTheSameLayout) {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes.ok());
  (*bytes)[4] = 2;
  auto file = GgufFile::Parse(*bytes, "v2");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->version(), 2u);
  EXPECT_EQ(*file->GetString("general.architecture"), "llama");
}

TEST(GgufFileOpenTest, MissingFileIsNotFound) {
  auto file = GgufFile::Open("/nonexistent/model.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

}  // namespace
}  // namespace citadel::gguf
