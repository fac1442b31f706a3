// Writer round trips: everything the writer puts in a file reads back with
// GgufFile bit-exactly, and re-serializing a parsed file reproduces its bytes.
#include "gguf/gguf_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <numeric>

#include "gguf/gguf_file.h"

namespace citadel::gguf {
namespace {

std::vector<std::uint8_t> Iota(std::size_t n, std::uint8_t start) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

// A writer holding every scalar type, arrays and three tensor types.
GgufWriter SampleWriter() {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  w.SetU8("t.u8", 200);
  w.SetI8("t.i8", -100);
  w.SetU16("t.u16", 60000);
  w.SetI16("t.i16", -30000);
  w.SetU32("t.u32", 4000000000u);
  w.SetI32("t.i32", -2000000000);
  w.SetU64("t.u64", 18000000000000000000ull);
  w.SetI64("t.i64", -9000000000000000000ll);
  w.SetF32("t.f32", 0.1f);
  w.SetF64("t.f64", 1e300);
  w.SetBool("t.bool", true);
  w.SetString("t.empty", "");
  w.SetStringArray("tokenizer.ggml.tokens", {"<s>", "</s>", "", "hello world"});
  w.SetF32Array("tokenizer.ggml.scores", {0.0f, -1.5f, 2.25f, 3.0f});
  w.SetI32Array("tokenizer.ggml.token_type", {3, 3, 1, -7});
  std::vector<float> f32(8 * 3);
  for (std::size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<float>(i) * 0.5f;
  std::vector<std::uint8_t> f32_bytes(f32.size() * 4);
  std::memcpy(f32_bytes.data(), f32.data(), f32_bytes.size());
  EXPECT_TRUE(w.AddTensor("token_embd.weight", TensorType::kF32, {8, 3}, f32_bytes).ok());
  EXPECT_TRUE(w.AddTensor("blk.0.q8", TensorType::kQ8_0, {64, 2}, Iota(4 * 34, 1)).ok());
  EXPECT_TRUE(w.AddTensor("blk.0.q4k", TensorType::kQ4_K, {256}, Iota(144, 7)).ok());
  return w;
}

TEST(GgufWriterTest, ScalarsReadBackExactly) {
  auto bytes = SampleWriter().Serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto file = GgufFile::Parse(*bytes, "sample");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(*file->GetString("general.architecture"), "llama");
  EXPECT_EQ(*file->Find("t.u8")->AsU32(), 200u);
  EXPECT_EQ(*file->Find("t.i8")->AsI32(), -100);
  EXPECT_EQ(*file->Find("t.u16")->AsU32(), 60000u);
  EXPECT_EQ(*file->Find("t.i16")->AsI32(), -30000);
  EXPECT_EQ(*file->GetU32("t.u32"), 4000000000u);
  EXPECT_EQ(*file->GetI32("t.i32"), -2000000000);
  EXPECT_EQ(*file->GetU64("t.u64"), 18000000000000000000ull);
  EXPECT_EQ(*file->Find("t.i64")->AsI64(), -9000000000000000000ll);
  EXPECT_EQ(*file->GetF32("t.f32"), 0.1f);
  EXPECT_EQ(*file->Find("t.f64")->AsF64(), 1e300);
  EXPECT_EQ(*file->GetBool("t.bool"), true);
  EXPECT_EQ(*file->GetString("t.empty"), "");
  ASSERT_EQ(file->metadata().size(), 16u);
  EXPECT_EQ(file->metadata()[0].key, "general.architecture");  // file order kept
  EXPECT_EQ(file->metadata()[15].key, "tokenizer.ggml.token_type");
}

TEST(GgufWriterTest, ArraysReadBackExactly) {
  auto bytes = SampleWriter().Serialize();
  ASSERT_TRUE(bytes.ok());
  auto file = GgufFile::Parse(*bytes, "sample");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto tokens = file->GetStringArray("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(*tokens, (std::vector<std::string_view>{"<s>", "</s>", "", "hello world"}));
  EXPECT_EQ(*file->GetF32Array("tokenizer.ggml.scores"), (std::vector<float>{0, -1.5f, 2.25f, 3}));
  EXPECT_EQ(*file->GetI32Array("tokenizer.ggml.token_type"),
            (std::vector<std::int32_t>{3, 3, 1, -7}));
  const Value* v = file->Find("tokenizer.ggml.tokens");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->array_type(), ValueType::kString);
  EXPECT_EQ(v->size(), 4u);
  EXPECT_EQ(v->At(3).AsString(), "hello world");
  // i32 elements convert losslessly to f32; the reverse fails for 2.25.
  EXPECT_EQ(*file->GetF32Array("tokenizer.ggml.token_type"), (std::vector<float>{3, 3, 1, -7}));
  EXPECT_FALSE(file->GetI32Array("tokenizer.ggml.scores").ok());
}

TEST(GgufWriterTest, TensorsReadBackExactly) {
  GgufWriter w = SampleWriter();
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes.ok());
  auto file = GgufFile::Parse(*bytes, "sample");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->tensors().size(), 3u);
  const TensorInfo* q8 = file->FindTensor("blk.0.q8");
  ASSERT_NE(q8, nullptr);
  EXPECT_EQ(q8->type, TensorType::kQ8_0);
  EXPECT_EQ(q8->dims, (std::vector<std::int64_t>{64, 2}));
  EXPECT_EQ(q8->elements, 128);
  EXPECT_EQ(q8->rows(), 2);
  auto expected = Iota(4 * 34, 1);
  ASSERT_EQ(q8->data.size(), expected.size());
  EXPECT_TRUE(std::equal(q8->data.begin(), q8->data.end(), expected.begin()));
  for (const TensorInfo& t : file->tensors()) {
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    EXPECT_EQ((file->data_offset() + t.offset) % 32, 0u) << t.name;
  }
  const TensorInfo* emb = file->FindTensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  float third;
  std::memcpy(&third, emb->data.data() + 8, 4);
  EXPECT_EQ(third, 1.0f);
  EXPECT_EQ(file->FindTensor("missing"), nullptr);
}

// Copies every value and tensor of `file` into a new writer.
GgufWriter CopyOf(const GgufFile& file) {
  GgufWriter w;
  w.SetAlignment(file.alignment());
  for (const MetadataEntry& e : file.metadata()) w.SetValue(std::string(e.key), e.value);
  for (const TensorInfo& t : file.tensors()) {
    EXPECT_TRUE(w.AddTensor(t.name, t.type, t.dims, t.data).ok());
  }
  return w;
}

TEST(GgufWriterTest, ReserializingAParsedFileIsBitExact) {
  for (std::uint64_t alignment : {32u, 64u, 4096u}) {
    GgufWriter w = SampleWriter();
    w.SetAlignment(alignment);
    auto bytes = w.Serialize();
    ASSERT_TRUE(bytes.ok());
    auto file = GgufFile::Parse(*bytes, "sample");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->Has("general.alignment"), alignment != 32);
    auto again = CopyOf(*file).Serialize();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *bytes) << "alignment " << alignment;
  }
}

TEST(GgufWriterTest, NestedArraysCopyThroughSetValue) {
  // Hand-encode an array of two arrays: [[1, 2], ["x"]].
  std::vector<std::uint8_t> payload;
  auto put32 = [&](std::uint32_t v) {
    payload.insert(payload.end(), (std::uint8_t*)&v, (std::uint8_t*)&v + 4);
  };
  auto put64 = [&](std::uint64_t v) {
    payload.insert(payload.end(), (std::uint8_t*)&v, (std::uint8_t*)&v + 8);
  };
  put32(static_cast<std::uint32_t>(ValueType::kArray));
  put64(2);
  put32(static_cast<std::uint32_t>(ValueType::kU16));
  put64(2);
  payload.insert(payload.end(), {1, 0, 2, 0});
  put32(static_cast<std::uint32_t>(ValueType::kString));
  put64(1);
  put64(1);
  payload.push_back('x');
  GgufWriter w;
  w.SetValue("nested", Value::FromValidated(ValueType::kArray, payload));
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto file = GgufFile::Parse(*bytes, "nested");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const Value* v = file->Find("nested");
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->array_type(), ValueType::kArray);
  std::vector<Value> outer = v->Elements();
  ASSERT_EQ(outer.size(), 2u);
  EXPECT_EQ(outer[0].array_type(), ValueType::kU16);
  EXPECT_EQ(*outer[0].At(1).AsU32(), 2u);
  EXPECT_EQ(outer[1].At(0).AsString(), "x");
  EXPECT_EQ(v->At(1).At(0).AsString(), "x");
  EXPECT_FALSE(file->GetStringArray("nested").ok());
}

TEST(GgufWriterTest, LaterSetReplacesInPlace) {
  GgufWriter w;
  w.SetU32("a", 1);
  w.SetString("b", "x");
  w.SetString("a", "now a string");
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes.ok());
  auto file = GgufFile::Parse(*bytes, "replace");
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->metadata()[0].key, "a");
  EXPECT_EQ(*file->GetString("a"), "now a string");
  EXPECT_TRUE(w.Remove("b"));
  EXPECT_FALSE(w.Remove("b"));
}

TEST(GgufWriterTest, AddTensorRejectsInconsistentTensors) {
  GgufWriter w;
  std::vector<std::uint8_t> data(34);
  EXPECT_TRUE(w.AddTensor("ok", TensorType::kQ8_0, {32}, data).ok());
  EXPECT_EQ(w.AddTensor("ok", TensorType::kQ8_0, {32}, data).code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(w.AddTensor("size", TensorType::kQ8_0, {32}, std::vector<std::uint8_t>(33)).ok());
  EXPECT_FALSE(w.AddTensor("block", TensorType::kQ8_0, {16, 2}, data).ok());
  EXPECT_FALSE(w.AddTensor("zero", TensorType::kF32, {0}, {}).ok());
  EXPECT_FALSE(
      w.AddTensor("five", TensorType::kI8, {1, 1, 1, 1, 1}, std::vector<std::uint8_t>(1)).ok());
  EXPECT_FALSE(w.AddTensor("", TensorType::kI8, {1}, std::vector<std::uint8_t>(1)).ok());
  EXPECT_FALSE(
      w.AddTensor(std::string(64, 'n'), TensorType::kI8, {1}, std::vector<std::uint8_t>(1)).ok());
  EXPECT_FALSE(
      w.AddTensor("type", static_cast<TensorType>(4), {1}, std::vector<std::uint8_t>(1)).ok());
  w.SetAlignment(48);
  EXPECT_FALSE(w.Serialize().ok());
}

TEST(GgufWriterTest, WriteFileThenOpenMapsTheSameBytes) {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("citadel_gguf_writer_" + std::to_string(::getpid()) + ".gguf");
  GgufWriter w = SampleWriter();
  ASSERT_TRUE(w.WriteFile(path.string()).ok());
  auto file = GgufFile::Open(path.string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->name(), path.string());
  EXPECT_EQ(*w.Serialize(), std::vector<std::uint8_t>(file->bytes().begin(), file->bytes().end()));
  // Moving the file keeps its views valid.
  GgufFile moved = std::move(file).value();
  EXPECT_EQ(*moved.GetString("general.architecture"), "llama");
  EXPECT_EQ(moved.FindTensor("blk.0.q4k")->data[0], 7);
  std::filesystem::remove(path);
  EXPECT_FALSE(w.WriteFile("/nonexistent-dir/x.gguf").ok());
}

}  // namespace
}  // namespace citadel::gguf
