// `citadel generate`, `synth` and `bench` end to end: a seeded tiny model made
// with `citadel synth`, greedy generation that is reproducible and equals the
// --json token ids, the golden continuation of stories260K through the CLI,
// and one-line errors for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("citadel_generate_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(const std::string& args) { return testing::RunCitadel(args, dir_); }

  std::string TinyModel() {
    const std::string path = (dir_ / "tiny.gguf").string();
    const RunResult r = Run("synth --arch llama --preset tiny --type Q8_0 --seed 3 -o " + path);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }

  fs::path dir_;
};

TEST_F(GenerateTest, GreedyJsonIsReproducibleAndMatchesTheText) {
  const std::string model = TinyModel();
  const std::string args =
      "generate -m " + model + " -p 't300 t301' -n 12 --temp 0 --ignore-eos -t 2";
  const RunResult json_run = Run(args + " --json");
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  const auto out = nlohmann::json::parse(json_run.out);
  ASSERT_EQ(out["tokens"].size(), 12u);
  EXPECT_GT(out["timings"]["prompt_tokens_per_second"].get<double>(), 0.0);
  EXPECT_GT(out["timings"]["generation_tokens_per_second"].get<double>(), 0.0);
  EXPECT_EQ(out["timings"]["generated_tokens"].get<int>(), 12);
  // Same seed-free greedy run again: same ids; streamed text equals the JSON text.
  EXPECT_EQ(nlohmann::json::parse(Run(args + " --json").out)["tokens"], out["tokens"]);
  const RunResult text_run = Run(args);
  ASSERT_EQ(text_run.exit_code, 0) << text_run.err;
  EXPECT_EQ(text_run.out, out["text"].get<std::string>() + "\n");
}

TEST_F(GenerateTest, SeededSamplingIsReproducible) {
  const std::string model = TinyModel();
  const std::string args =
      "generate -m " + model + " -p 't300' -n 10 --temp 1 --ignore-eos --json -t 2 --seed ";
  const auto a = nlohmann::json::parse(Run(args + "7").out)["tokens"];
  EXPECT_EQ(nlohmann::json::parse(Run(args + "7").out)["tokens"], a);
  EXPECT_NE(nlohmann::json::parse(Run(args + "8").out)["tokens"], a);
}

TEST_F(GenerateTest, StoriesGoldenContinuationThroughTheCli) {
  CITADEL_REQUIRE_SHARED();
  const fs::path models = testing::SharedDir() / "models";
  const auto golden = nlohmann::json::parse(testing::ReadFile(models / "golden.json"));
  const auto& c = golden["stories260K.gguf"][0];
  const RunResult r = Run("generate -m " + (models / "stories260K.gguf").string() + " -p '" +
                          c["prompt"].get<std::string>() + "' -n 64 --temp 0 --json -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["tokens"], c["tokens"]);
  EXPECT_EQ(out["text"], c["text"]);
}

TEST_F(GenerateTest, BenchReportsBothTests) {
  const std::string model = TinyModel();
  const RunResult r = Run("bench -m " + model + " -p 16 -n 4 -r 2 -t 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["test"], "pp16");
  EXPECT_EQ(out[1]["test"], "tg4");
  EXPECT_EQ(out[1]["samples_ts"].size(), 2u);
  EXPECT_GT(out[0]["avg_ts"].get<double>(), 0.0);
}

TEST_F(GenerateTest, BadInputIsAOneLineError) {
  const RunResult missing = Run("generate -m " + (dir_ / "nope.gguf").string() + " -p hi -n 1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("citadel: error:"), std::string::npos);
  std::ofstream(dir_ / "junk.gguf") << "not a gguf file at all";
  const RunResult junk = Run("generate -m " + (dir_ / "junk.gguf").string() + " -p hi -n 1");
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_EQ(std::count(junk.err.begin(), junk.err.end(), '\n'), 1) << junk.err;
  const RunResult arch = Run("synth --arch mamba --preset tiny -o " + (dir_ / "m.gguf").string());
  EXPECT_NE(arch.exit_code, 0);
  EXPECT_NE(arch.err.find("mamba"), std::string::npos);
}

}  // namespace
}  // namespace citadel
