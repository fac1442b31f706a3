// `citadel inspect` end to end over the real files in ../shared: every GGUF
// parses, the summary reports the right architectures, vocab sizes and
// memory estimate, and corrupt copies end in a non-zero exit with a one-line
// reason on stderr (no signal, no hang).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "gguf/gguf_file.h"
#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunResult;

// A scratch directory removed with the fixture.
class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("citadel_inspect_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `citadel ARGS` under a 60 s timeout (a hang fails as exit 124).
  RunResult Citadel(const std::string& args) { return testing::RunCitadel(args, dir_); }

  json InspectJson(const fs::path& model) {
    RunResult r = Citadel("inspect --json '" + model.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  // Expects a clean failure: a normal non-zero exit (not a signal, not the
  // timeout) and exactly one stderr line that names `must_mention`.
  void ExpectCleanFailure(const fs::path& model, const std::string& must_mention) {
    RunResult r = Citadel("inspect '" + model.string() + "'");
    EXPECT_NE(r.exit_code, -1) << "killed by a signal: " << r.err;
    EXPECT_NE(r.exit_code, 0) << model;
    EXPECT_NE(r.exit_code, 124) << "timed out: " << model;
    EXPECT_EQ(r.out, "");
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line: " << r.err;
    EXPECT_EQ(r.err.rfind("citadel: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(must_mention), std::string::npos) << r.err;
  }

  fs::path dir_;
};

std::vector<fs::path> SharedGgufFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(testing::SharedDir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".gguf")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_F(InspectTest, EveryGgufUnderSharedParses) {
  CITADEL_REQUIRE_SHARED();
  std::vector<fs::path> files = SharedGgufFiles();
  ASSERT_GE(files.size(), 2u);
  for (const fs::path& path : files) {
    auto file = gguf::GgufFile::Open(path.string());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_TRUE(file->Has("general.architecture")) << path;
    json j = InspectJson(path);
    EXPECT_EQ(j["file_size_bytes"], fs::file_size(path)) << path;
    EXPECT_EQ(j["architecture"], std::string(*file->GetString("general.architecture"))) << path;
  }
}

TEST_F(InspectTest, ReportsVocabSizesAndArchitectures) {
  CITADEL_REQUIRE_SHARED();
  struct Expected {
    const char* file;
    const char* architecture;
    std::uint64_t vocab_size;
    const char* tokenizer_model;
  };
  const Expected cases[] = {
      {"conformance/tokenizer/ggml-vocab-llama-spm.gguf", "llama", 32000, "llama"},
      {"conformance/tokenizer/ggml-vocab-qwen2.gguf", "qwen2", 151936, "gpt2"},
      {"conformance/tokenizer/ggml-vocab-llama-bpe.gguf", "llama", 128256, "gpt2"},
      {"conformance/tokenizer/ggml-vocab-bert-bge.gguf", "bert", 30522, "bert"},
      {"models/llama-2-tiny-random.gguf", "llama", 32000, "llama"},
      {"models/stories260K.gguf", "llama", 512, "llama"},
  };
  for (const Expected& e : cases) {
    json j = InspectJson(testing::SharedDir() / e.file);
    EXPECT_EQ(j["architecture"], e.architecture) << e.file;
    EXPECT_EQ(j["vocab_size"], e.vocab_size) << e.file;
    EXPECT_EQ(j["tokenizer_model"], e.tokenizer_model) << e.file;
  }
  json qwen = InspectJson(testing::SharedDir() / "conformance/tokenizer/ggml-vocab-qwen2.gguf");
  EXPECT_EQ(qwen["tokenizer_pre"], "qwen2");
  EXPECT_EQ(qwen["has_chat_template"], true);
}

TEST_F(InspectTest, StoriesHyperParametersAndMemoryEstimate) {
  CITADEL_REQUIRE_SHARED();
  // The shared README: dim 64, 5 layers, 8 heads, 4 KV heads, vocab 512, all F32.
  RunResult r = Citadel("inspect --json --tensors '" +
                        (testing::SharedDir() / "models/stories260K.gguf").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["embedding_length"], 64);
  EXPECT_EQ(j["block_count"], 5);
  EXPECT_EQ(j["head_count"], 8);
  EXPECT_EQ(j["head_count_kv"], 4);
  EXPECT_EQ(j["head_dim"], 8);
  EXPECT_EQ(j["has_chat_template"], false);
  ASSERT_EQ(j["tensor_types"].size(), 1u);
  EXPECT_EQ(j["tensor_types"][0]["type"], "f32");
  // f32 weights: 4 bytes per parameter; KV: 2 x 5 layers x 4 heads x 8 dims x 2 B x 1000.
  EXPECT_EQ(j["memory"]["weight_bytes"], j["parameter_count"].get<std::uint64_t>() * 4);
  EXPECT_EQ(j["memory"]["kv_cache_bytes_per_1000_tokens"], 2 * 5 * 4 * 8 * 2 * 1000);
  ASSERT_EQ(j["tensors"].size(), 48u);
  std::uint64_t sum = 0;
  for (const json& t : j["tensors"]) sum += t["bytes"].get<std::uint64_t>();
  EXPECT_EQ(sum, j["memory"]["weight_bytes"]);
  EXPECT_EQ(j["tensors"][0]["name"], "token_embd.weight");
  EXPECT_EQ(j["tensors"][0]["shape"], json::array({64, 512}));
}

TEST_F(InspectTest, TextOutputNamesTheEssentials) {
  CITADEL_REQUIRE_SHARED();
  RunResult r = Citadel("inspect --tensors '" +
                        (testing::SharedDir() / "models/stories260K.gguf").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {"architecture:    llama", "layers:          5", "kv heads:        4",
                           "vocab size:      512", "chat template:   no", "per 1,000 tokens",
                           "blk.4.ffn_down.weight"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
}

TEST_F(InspectTest, CorruptCopiesFailWithOneLineReason) {
  CITADEL_REQUIRE_SHARED();
  fs::path source = testing::SharedDir() / "models/stories260K.gguf";
  std::string bytes = testing::ReadFile(source);
  auto write = [&](const std::string& name, const std::string& contents) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << contents;
    return p;
  };
  // Truncations: inside the header, the metadata, the tensor infos and the data.
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{20}, std::size_t{100},
                          std::size_t{5000}, bytes.size() / 2, bytes.size() - 4096}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    fs::path p = write("cut" + std::to_string(cut) + ".gguf", bytes.substr(0, cut));
    ExpectCleanFailure(p, p.string());
  }
  std::string bad = bytes;
  bad[0] = 'X';
  ExpectCleanFailure(write("magic.gguf", bad), "not a GGUF file");
  bad = bytes;
  bad[15] = 0x7f;  // tensor count ~ 2^63
  ExpectCleanFailure(write("count.gguf", bad), "tensor count at byte 8");
  bad = bytes;
  bad[23] = 0x7f;  // metadata count ~ 2^63
  ExpectCleanFailure(write("kv.gguf", bad), "metadata count at byte 16");
  bad = bytes;
  bad[31] = 0x7f;  // first key's length ~ 2^63
  ExpectCleanFailure(write("len.gguf", bad), "metadata key #0 at byte 24");
  ExpectCleanFailure(dir_ / "missing.gguf", "missing.gguf");
}

}  // namespace
}  // namespace citadel
