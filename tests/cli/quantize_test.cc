// End-to-end tests of `citadel quantize` on the reference model stories260K
// (skipped without ../shared) and on a generated F32 model: the output parses, reports the types
// the mix chooses through `citadel inspect --json`, and holds the same weights within the type's
// quantization error.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/dequantize.h"
#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class QuantizeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("citadel_quantize_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `citadel ARGS` and captures its exit status, stdout and stderr.
  RunResult Citadel(const std::string& args) { return testing::RunCitadel(args, dir_); }

  // tensor name -> type name, from `citadel inspect --json --tensors`.
  std::map<std::string, std::string> InspectTypes(const fs::path& model, nlohmann::json* summary) {
    RunResult inspect = Citadel("inspect --json --tensors " + model.string());
    EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
    nlohmann::json parsed = nlohmann::json::parse(inspect.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << inspect.out;
    std::map<std::string, std::string> types;
    if (parsed.is_discarded()) return types;
    for (const auto& tensor : parsed["tensors"]) types[tensor["name"]] = tensor["type"];
    if (summary) *summary = parsed;
    return types;
  }

  fs::path Stories() const { return testing::SharedDir() / "models" / "stories260K.gguf"; }

  fs::path dir_;
};

TEST_F(QuantizeCommandTest, Q8_0OutputReportsTheChosenTypes) {
  CITADEL_REQUIRE_SHARED();
  fs::path output = dir_ / "stories-q8_0.gguf";
  RunResult run =
      Citadel("quantize " + Stories().string() + " " + output.string() + " Q8_0 --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("blk.0.attn_q.weight"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Q8_0"), std::string::npos) << run.out;

  nlohmann::json summary;
  std::map<std::string, std::string> types = InspectTypes(output, &summary);
  ASSERT_EQ(types.size(), 48u);
  EXPECT_EQ(summary["file_type_id"], 7);
  for (const auto& [name, type] : types) {
    if (name.find("_norm.weight") != std::string::npos) {
      EXPECT_EQ(type, "f32") << name;  // 1-D tensors keep their type
    } else if (name.find("ffn_down") != std::string::npos) {
      EXPECT_EQ(type, "f16") << name;  // rows of 172 do not fit blocks of 32
    } else {
      EXPECT_EQ(type, "q8_0") << name;
    }
  }
}

// The per-tensor types the reference's llama-quantize chose for this model.
TEST_F(QuantizeCommandTest, Q4KMMatchesTheReferenceMix) {
  CITADEL_REQUIRE_SHARED();
  fs::path output = dir_ / "stories-q4_k_m.gguf";
  RunResult run = Citadel("quantize " + Stories().string() + " " + output.string() + " q4_k_m");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json summary;
  std::map<std::string, std::string> types = InspectTypes(output, &summary);
  EXPECT_EQ(summary["file_type_id"], 15);
  EXPECT_EQ(types["output.weight"], "q8_0");
  EXPECT_EQ(types["token_embd.weight"], "q5_0");
  EXPECT_EQ(types["blk.0.attn_v.weight"], "q5_0");
  EXPECT_EQ(types["blk.2.attn_v.weight"], "q8_0");
  EXPECT_EQ(types["blk.4.attn_v.weight"], "q8_0");
  EXPECT_EQ(types["blk.3.ffn_gate.weight"], "q5_0");
  EXPECT_EQ(types["blk.3.ffn_down.weight"], "f16");
  EXPECT_EQ(types["blk.3.attn_norm.weight"], "f32");
}

TEST_F(QuantizeCommandTest, QuantizedWeightsStayCloseToTheOriginal) {
  CITADEL_REQUIRE_SHARED();
  fs::path output = dir_ / "stories-q8_0.gguf";
  ASSERT_EQ(Citadel("quantize " + Stories().string() + " " + output.string() + " Q8_0").exit_code,
            0);
  auto original = gguf::GgufFile::Open(Stories().string());
  auto quantized = gguf::GgufFile::Open(output.string());
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();
  for (const gguf::MetadataEntry& entry : original->metadata()) {
    const gguf::Value* copy = quantized->Find(entry.key);
    ASSERT_NE(copy, nullptr) << entry.key;
    if (entry.key != "general.file_type") {
      EXPECT_TRUE(std::ranges::equal(copy->payload(), entry.value.payload())) << entry.key;
    }
  }
  EXPECT_EQ(quantized->GetU32("general.file_type").value(), 7u);
  EXPECT_EQ(quantized->GetU32("general.quantization_version").value(), 2u);
  const gguf::TensorInfo* before = original->FindTensor("blk.1.attn_q.weight");
  const gguf::TensorInfo* after = quantized->FindTensor("blk.1.attn_q.weight");
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  ASSERT_EQ(after->dims, before->dims);
  std::vector<float> x(static_cast<std::size_t>(before->elements));
  std::vector<float> y(x.size());
  ASSERT_TRUE(
      kernels::DequantizeRow(before->type, before->data.data(), x.data(), before->elements).ok());
  ASSERT_TRUE(
      kernels::DequantizeRow(after->type, after->data.data(), y.data(), after->elements).ok());
  double error = 0.0;
  double energy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    error += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    energy += double(x[i]) * x[i];
  }
  EXPECT_GT(error, 0.0);                       // it was really requantized
  EXPECT_LT(std::sqrt(error / energy), 0.01);  // Q8_0: well under 1% relative error
}

// A seeded F32 llama-shaped model with rows of 256 and 512, so the K-quant
// types are used rather than their fallbacks. Needs nothing from ../shared.
Status WriteF32Model(const fs::path& path) {
  gguf::GgufWriter writer;
  writer.SetString("general.architecture", "llama");
  writer.SetU32("llama.block_count", 2);
  writer.SetU32("llama.embedding_length", 256);
  writer.SetU32("llama.attention.head_count", 4);
  writer.SetU32("llama.attention.head_count_kv", 2);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  auto add = [&](const std::string& name, std::vector<std::int64_t> dims) {
    std::vector<float> values(static_cast<std::size_t>(dims[0] * (dims.size() > 1 ? dims[1] : 1)));
    for (float& v : values) v = dims.size() == 1 ? 1.0f : normal(rng);
    return writer.AddTensor(
        name, TensorType::kF32, dims,
        {reinterpret_cast<const std::uint8_t*>(values.data()), values.size() * sizeof(float)});
  };
  CITADEL_TRY(add("token_embd.weight", {256, 512}));
  CITADEL_TRY(add("output_norm.weight", {256}));
  CITADEL_TRY(add("output.weight", {256, 512}));
  for (int layer = 0; layer < 2; ++layer) {
    std::string blk = "blk." + std::to_string(layer) + ".";
    CITADEL_TRY(add(blk + "attn_norm.weight", {256}));
    CITADEL_TRY(add(blk + "attn_q.weight", {256, 256}));
    CITADEL_TRY(add(blk + "attn_v.weight", {256, 128}));
    CITADEL_TRY(add(blk + "ffn_down.weight", {512, 256}));
  }
  return writer.WriteFile(path.string());
}

TEST_F(QuantizeCommandTest, KQuantMixOnRowsOf256) {
  fs::path input = dir_ / "f32.gguf";
  fs::path output = dir_ / "q4_k_m.gguf";
  ASSERT_TRUE(WriteF32Model(input).ok());
  RunResult run =
      Citadel("quantize " + input.string() + " " + output.string() + " Q4_K_M --threads 3");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::map<std::string, std::string> types = InspectTypes(output, nullptr);
  EXPECT_EQ(types["output.weight"], "q6_K");
  EXPECT_EQ(types["token_embd.weight"], "q4_K");
  EXPECT_EQ(types["blk.0.attn_q.weight"], "q4_K");
  EXPECT_EQ(types["blk.0.attn_v.weight"], "q4_K");  // of 2 layers only the last gets more bits
  EXPECT_EQ(types["blk.1.attn_v.weight"], "q6_K");
  EXPECT_EQ(types["blk.0.ffn_down.weight"], "q4_K");
  EXPECT_EQ(types["blk.1.ffn_down.weight"], "q6_K");
  EXPECT_EQ(types["blk.1.attn_norm.weight"], "f32");

  // Every converted tensor holds the original weights within its type's error
  // (relative RMSE on normal data: q4_K 0.071, q6_K 0.018).
  auto original = gguf::GgufFile::Open(input.string());
  auto quantized = gguf::GgufFile::Open(output.string());
  ASSERT_TRUE(original.ok() && quantized.ok());
  for (const gguf::TensorInfo& before : original->tensors()) {
    const gguf::TensorInfo* after = quantized->FindTensor(before.name);
    ASSERT_NE(after, nullptr) << before.name;
    std::vector<float> x(static_cast<std::size_t>(before.elements));
    std::vector<float> y(x.size());
    ASSERT_TRUE(
        kernels::DequantizeRow(before.type, before.data.data(), x.data(), before.elements).ok());
    ASSERT_TRUE(
        kernels::DequantizeRow(after->type, after->data.data(), y.data(), after->elements).ok());
    double error = 0.0;
    double energy = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      error += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
      energy += double(x[i]) * x[i];
    }
    double bound = after->type == TensorType::kQ6_K   ? 0.02
                   : after->type == TensorType::kQ4_K ? 0.075
                                                      : 0.0;
    EXPECT_LE(std::sqrt(error / energy), bound)
        << before.name << " as " << TensorTypeName(after->type);
  }
}

TEST_F(QuantizeCommandTest, BadArgumentsFailWithOneLine) {
  CITADEL_REQUIRE_SHARED();
  RunResult unknown =
      Citadel("quantize " + Stories().string() + " " + (dir_ / "x.gguf").string() + " Q4_K");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("unknown file type 'Q4_K'"), std::string::npos) << unknown.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.gguf"));

  RunResult missing = Citadel("quantize " + (dir_ / "absent.gguf").string() + " " +
                              (dir_ / "y.gguf").string() + " Q8_0");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("absent.gguf"), std::string::npos) << missing.err;

  RunResult same = Citadel("quantize " + Stories().string() + " " + Stories().string() + " Q8_0");
  EXPECT_NE(same.exit_code, 0);
  EXPECT_NE(same.err.find("is the input file"), std::string::npos) << same.err;
}

}  // namespace
}  // namespace citadel
