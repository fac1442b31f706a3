// `--kv-cache-type f16|q8_0` end to end: every command that builds a KV cache
// accepts it, a bad value is a one-line error naming the allowed values, and
// q8_0 on a model whose head_dim is not a multiple of 32 says so.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "model/synthetic_model.h"
#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class KvCacheTypeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("citadel_kv_type_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(const std::string& args) { return testing::RunCitadel(args, dir_); }

  // A seeded llama with `head_dim`-wide heads, written under the scratch dir.
  std::string Model(int head_dim) {
    model::SyntheticSpec spec;
    spec.vocab_size = 300;
    spec.num_heads = 4;
    spec.num_kv_heads = 2;
    spec.head_dim = head_dim;
    spec.embedding_length = 4 * head_dim;
    spec.feed_forward_length = 2 * spec.embedding_length;
    spec.seed = 11;
    const std::string path = (dir_ / ("hd" + std::to_string(head_dim) + ".gguf")).string();
    auto writer = model::BuildSyntheticModel(spec, nullptr, nullptr);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (writer.ok()) EXPECT_TRUE(writer->WriteFile(path).ok());
    return path;
  }

  fs::path dir_;
};

void ExpectOneLineError(const RunResult& r, const std::string& needle) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST_F(KvCacheTypeCliTest, BogusTypeIsAOneLineErrorOnEveryCommand) {
  const std::string model = Model(32);
  for (const std::string& command :
       {"generate -m " + model + " -p 't1 t2' -n 2", "run " + model,
        "bench -m " + model + " -p 4 -n 2 -r 1", "serve --port 0 -m " + model}) {
    const RunResult r = Run(command + " --kv-cache-type bogus </dev/null");
    ExpectOneLineError(r, "\"bogus\" is not one of f16, q8_0");
  }
}

TEST_F(KvCacheTypeCliTest, Q8_0GeneratesAndBenchesWhereHeadDimAllows) {
  const std::string model = Model(32);
  const std::string args = "generate -m " + model + " -p 't1 t2 t3' -n 8 --temp 0 --ignore-eos";
  const RunResult q8 = Run(args + " --kv-cache-type q8_0 --json");
  ASSERT_EQ(q8.exit_code, 0) << q8.err;
  EXPECT_EQ(nlohmann::json::parse(q8.out)["tokens"].size(), 8u);
  const RunResult f16 = Run(args + " --kv-cache-type f16 --json");
  ASSERT_EQ(f16.exit_code, 0) << f16.err;
  EXPECT_EQ(nlohmann::json::parse(f16.out)["tokens"].size(), 8u);
  const RunResult bench = Run("bench -m " + model + " -p 8 -n 4 -r 1 --kv-cache-type q8_0");
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_NE(bench.out.find("tg4"), std::string::npos) << bench.out;
}

TEST_F(KvCacheTypeCliTest, Q8_0OnANarrowHeadDimNamesTheRule) {
  const std::string model = Model(16);
  const RunResult r = Run("generate -m " + model + " -p 't1' -n 2 --temp 0 --kv-cache-type q8_0");
  ExpectOneLineError(r, "--kv-cache-type q8_0 needs head_dim a multiple of 32");
  const RunResult serve = Run("serve --port 0 -m " + model + " --data-dir " +
                              (dir_ / "data").string() + " --set engine.kv_cache_type=q8_0");
  EXPECT_NE(serve.exit_code, 0);
  EXPECT_NE(serve.err.find("head_dim a multiple of 32"), std::string::npos) << serve.err;
}

}  // namespace
}  // namespace citadel
