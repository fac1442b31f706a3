// A model file whose metadata contradicts its tensors is refused by every
// command that loads it: `generate`, `run` and `bench` exit non-zero with one
// error line naming the file and the field, and `serve` stops instead of
// serving it. The files are tiny synthetic models written by the project's
// GGUF writer with one metadata value corrupted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/synthetic_model.h"
#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class ModelChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("citadel_model_checks_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto writer = model::BuildSyntheticModel(model::SyntheticSpec(), nullptr, nullptr);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer->SetU32("llama.block_count", 3);  // the file holds 2 layers
    bad_ = (dir_ / "bad.gguf").string();
    ASSERT_TRUE(writer->WriteFile(bad_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(const std::string& args) { return testing::RunCitadel(args, dir_); }

  // One stderr line naming the file and the field.
  void ExpectOneLineRefusal(const RunResult& r) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.exit_code, 124) << "timed out";
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find(bad_), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("llama.block_count is 3 but the tensors cover 2 layers"),
              std::string::npos)
        << r.err;
  }

  fs::path dir_;
  std::string bad_;
};

TEST_F(ModelChecksTest, GenerateRunAndBenchRefuseTheFile) {
  ExpectOneLineRefusal(Run("generate -m " + bad_ + " -p hello -n 2 -t 1"));
  ExpectOneLineRefusal(Run("run " + bad_ + " -t 1 < /dev/null"));
  ExpectOneLineRefusal(Run("bench -m " + bad_ + " -p 8 -n 2 -r 1 -t 1"));
}

TEST_F(ModelChecksTest, ServeDoesNotServeTheFile) {
  const RunResult r =
      Run("serve -m " + bad_ + " --port 0 --data-dir '" + (dir_ / "data").string() + "'");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.exit_code, 124) << "serve kept running on a corrupt model";
  EXPECT_NE(r.err.find("llama.block_count is 3 but the tensors cover 2 layers"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad_), std::string::npos) << r.err;
}

}  // namespace
}  // namespace citadel
