// `citadel tokenize` end to end: ids match the reference tokenizer's on the
// conformance vocabularies in ../shared, BOS/EOS follow the metadata unless
// --no-special, special-token text is parsed only with --parse-special, and
// bad input ends in a non-zero exit with a one-line reason.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

std::string Vocab(const std::string& name) {
  return (testing::SharedDir() / "conformance" / "tokenizer" / ("ggml-vocab-" + name + ".gguf"))
      .string();
}

class TokenizeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("citadel_tokenize_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `citadel tokenize ARGS` under a 60 s timeout.
  RunResult Tokenize(const std::string& args) {
    return testing::RunCitadel("tokenize " + args, dir_);
  }

  fs::path dir_;
};

TEST_F(TokenizeCommandTest, PrintsIdsWithBosAsTheMetadataSays) {
  CITADEL_REQUIRE_SHARED();
  const RunResult r = Tokenize("-m '" + Vocab("llama-spm") + "' 'Hello world'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1 15043 3186\n");
  const RunResult plain =
      Tokenize("-m '" + Vocab("llama-spm") + "' --no-special --json 'Hello world'");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "[15043, 3186]\n");
}

TEST_F(TokenizeCommandTest, SpecialTokenTextParsedOnlyWhenAsked) {
  CITADEL_REQUIRE_SHARED();
  const std::string model = "-m '" + Vocab("qwen2") + "' --json ";
  const RunResult parsed = Tokenize(model + "--parse-special '<|im_start|>user'");
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  EXPECT_EQ(parsed.out, "[151644, 872]\n");
  const RunResult plain = Tokenize(model + "'<|im_start|>user'");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("151644"), std::string::npos) << plain.out;
}

TEST_F(TokenizeCommandTest, ReadsTheTextFromAFileAsBytes) {
  CITADEL_REQUIRE_SHARED();
  const fs::path text = dir_ / "text.txt";
  std::ofstream(text, std::ios::binary) << "Hello world";
  const RunResult r =
      Tokenize("-m '" + Vocab("llama-spm") + "' --no-special -f '" + text.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "15043 3186\n");
}

TEST_F(TokenizeCommandTest, BadInputIsAOneLineError) {
  const RunResult missing = Tokenize("-m '" + (dir_ / "missing.gguf").string() + "' hi");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  const fs::path junk = dir_ / "junk.gguf";
  std::ofstream(junk, std::ios::binary) << "not a gguf file at all";
  const RunResult corrupt = Tokenize("-m '" + junk.string() + "' hi");
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_EQ(std::count(corrupt.err.begin(), corrupt.err.end(), '\n'), 1) << corrupt.err;
  CITADEL_REQUIRE_SHARED();
  const RunResult no_text = Tokenize("-m '" + Vocab("llama-spm") + "'");
  EXPECT_EQ(no_text.exit_code, 1);
  EXPECT_NE(no_text.err.find("nothing to tokenize"), std::string::npos) << no_text.err;
}

}  // namespace
}  // namespace citadel
