// Synthetic models of each architecture and weight type against the
// reference engine: the test makes each file with `citadel synth` (seeded,
// so the bytes are the ones the reference saw) and compares a 256-token
// teacher-forced run with vectors recorded from the reference
// (tests/data/model/synthetic_vectors.json).
//   F32/F16: logits of the first positions within 1e-3 (relative to the
//            row's largest magnitude) and the same top-1 token everywhere.
//   quantized: the same top-1 token on >= 96% of positions. Issue 5 asks for
//            99%; measured 252..256 of 256 (98.4..100%) on the AVX-512/AMX
//            paths. The reference does not reach 99% against itself: its
//            flash-attention on and off paths agree on 240..253 of 256 for
//            these same files. Why: the first positions agree to ~3e-7, but
//            1e-7 matmul-order differences flip an occasional F16 rounding
//            in the KV cache, attention outputs then differ by ~1e-5, and
//            once one Q8_0 activation rounds the other way (token 42 of the
//            llama Q8_0 case) every later logit differs by ~1e-2 of the
//            largest. These random models have flat logits, so positions
//            whose top-2 margin is below that flip. The AVX2 and scalar
//            paths sum in other orders (249..250 for llama Q8_0), hence 96%.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "model/model.h"
#include "test_support.h"

namespace citadel {
namespace {

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(CITADEL_SOURCE_DIR) + "/tests/data/model/synthetic_vectors.json");
  return nlohmann::json::parse(in);
}

std::string Synth(const nlohmann::json& c) {
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("citadel_synthetic_" + c["arch"].get<std::string>() + "_" + c["type"].get<std::string>() +
        "_" + std::to_string(::getpid()) + ".gguf"))
          .string();
  const std::string command =
      testing::CitadelBinary() + " synth --arch " + c["arch"].get<std::string>() + " --preset " +
      c["preset"].get<std::string>() + " --type " + c["type"].get<std::string>() + " --seed " +
      std::to_string(c["seed"].get<int>()) + " -o " + path;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return path;
}

// All logits of a teacher-forced run over `tokens` (one sequence, one batch).
std::vector<float> TeacherForced(model::Model& m, const std::vector<std::int32_t>& tokens) {
  std::vector<std::int32_t> table(static_cast<std::size_t>(m.kv_memory().shape().num_blocks));
  std::iota(table.begin(), table.end(), 0);
  model::Batch batch;
  const int seq = batch.AddSequence(table);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    batch.AddToken(tokens[i], static_cast<int>(i), seq, true);
  std::vector<float> logits(tokens.size() * static_cast<std::size_t>(m.config().vocab_size));
  EXPECT_TRUE(m.Forward(batch, logits).ok());
  return logits;
}

class SyntheticTest : public ::testing::TestWithParam<int> {};

TEST_P(SyntheticTest, MatchesTheReferenceEngine) {
  const nlohmann::json vectors = LoadVectors();
  const nlohmann::json& c = vectors["cases"][static_cast<std::size_t>(GetParam())];
  const auto tokens = vectors["tokens"].get<std::vector<std::int32_t>>();
  const std::string path = Synth(c);
  model::LoadOptions options;
  options.threads = 2;
  options.context_length = 512;
  auto m = model::Model::Load(path, options);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const int vocab = (*m)->config().vocab_size;
  const std::vector<float> logits = TeacherForced(**m, tokens);
  std::filesystem::remove(path);

  const auto expected_top1 = c["top1"].get<std::vector<std::int32_t>>();
  int agree = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const float* row = logits.data() + i * static_cast<std::size_t>(vocab);
    agree += (std::max_element(row, row + vocab) - row) == expected_top1[i];
  }
  const std::string type = c["type"].get<std::string>();
  const std::string name = c["arch"].get<std::string>() + " " + type;
  if (type == "F32" || type == "F16") {
    EXPECT_EQ(agree, static_cast<int>(tokens.size())) << name;
    const auto reference = c["logits"].get<std::vector<std::vector<float>>>();
    for (std::size_t i = 0; i < reference.size(); ++i) {
      float scale = 0;
      for (float v : reference[i]) scale = std::max(scale, std::abs(v));
      for (int v = 0; v < vocab; ++v) {
        ASSERT_NEAR(logits[i * static_cast<std::size_t>(vocab) + static_cast<std::size_t>(v)],
                    reference[i][static_cast<std::size_t>(v)], 1e-3f * scale)
            << name << " position " << i << " token " << v;
      }
    }
  } else {
    EXPECT_GE(agree * 100, 96 * static_cast<int>(tokens.size()))
        << name << ": top-1 agrees on " << agree << " of " << tokens.size() << " positions";
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, SyntheticTest, ::testing::Range(0, 15), [](const auto& info) {
  const nlohmann::json vectors = LoadVectors();
  const auto& c = vectors["cases"][static_cast<std::size_t>(info.param)];
  std::string name = c["arch"].get<std::string>() + "_" + c["type"].get<std::string>();
  return name;
});

}  // namespace
}  // namespace citadel
