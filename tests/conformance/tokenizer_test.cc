// Tokenizer conformance: every text in ../shared/conformance/tokenizer/*.inp
// must tokenize to exactly the ids the reference tokenizer produced (.out),
// with add_special = false and parse_special = false, and decoding those ids
// must give the text back (up to the model's normalisation).
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "test_support.h"

namespace citadel::tokenizer {
namespace {

namespace fs = std::filesystem;

fs::path VocabDir() {
  return testing::SharedDir() / "conformance" / "tokenizer";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The .inp format: texts each followed by "\n__ggml_vocab_test__\n".
std::vector<std::string> SplitInputs(const std::string& data) {
  static const std::string kSeparator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t end = data.find(kSeparator, pos);
    if (end == std::string::npos) break;
    texts.push_back(data.substr(pos, end - pos));
    pos = end + kSeparator.size();
  }
  // Some files end without the last separator.
  if (pos < data.size()) texts.push_back(data.substr(pos));
  return texts;
}

std::vector<std::string> SplitLines(const std::string& data) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    lines.push_back(data.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

std::string FormatIds(const std::vector<TokenId>& ids) {
  std::string out;
  for (const TokenId id : ids) out += " " + std::to_string(id);
  return out;
}

// One .out line: ids separated by spaces (most files also lead with one).
std::string NormalizeIdLine(const std::string& line) {
  std::istringstream in(line);
  std::vector<TokenId> ids;
  TokenId id = 0;
  while (in >> id) ids.push_back(id);
  return FormatIds(ids);
}

// Vocab names with an .inp/.out pair, e.g. "llama-bpe".
std::vector<std::string> VocabNames() {
  std::vector<std::string> names;
  if (!fs::exists(VocabDir())) return names;
  for (const auto& entry : fs::directory_iterator(VocabDir())) {
    const std::string file = entry.path().filename().string();
    const std::string prefix = "ggml-vocab-";
    const std::string suffix = ".gguf.inp";
    if (file.rfind(prefix, 0) == 0 && file.size() > prefix.size() + suffix.size() &&
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
      names.push_back(file.substr(prefix.size(), file.size() - prefix.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// WordPiece lowercases and drops whitespace, so its ids do not spell the text.
bool DecodesToInput(const std::string& name) {
  return name != "bert-bge";
}

class TokenizerConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerConformanceTest, MatchesReferenceIdsAndRoundTrips) {
  CITADEL_REQUIRE_SHARED();
  const std::string name = GetParam();
  const fs::path gguf_path = VocabDir() / ("ggml-vocab-" + name + ".gguf");
  auto file = gguf::GgufFile::Open(gguf_path.string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto tokenizer = Tokenizer::FromGguf(*file);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();

  const auto texts = SplitInputs(ReadFile(gguf_path.string() + ".inp"));
  const auto expected = SplitLines(ReadFile(gguf_path.string() + ".out"));
  ASSERT_FALSE(texts.empty());
  ASSERT_EQ(texts.size(), expected.size()) << "malformed .inp/.out pair for " << name;

  int mismatches = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::vector<TokenId> ids = (*tokenizer)->Encode(texts[i], false, false);
    const std::string want = NormalizeIdLine(expected[i]);
    EXPECT_EQ(FormatIds(ids), want) << name << " text #" << i << ": \"" << texts[i] << "\"";
    mismatches += FormatIds(ids) != want;
    if (DecodesToInput(name)) {
      EXPECT_EQ((*tokenizer)->Decode(ids), texts[i]) << name << " text #" << i;
    }
  }
  EXPECT_EQ(mismatches, 0) << name << ": " << mismatches << " of " << texts.size()
                           << " texts differ from the reference";
}

INSTANTIATE_TEST_SUITE_P(Vocabs, TokenizerConformanceTest, ::testing::ValuesIn(VocabNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TokenizerConformanceTest);

// The reference data ships a vocab for every tokenizer family and
// pre-tokenizer the issue names; each is loaded and checked above.
TEST(TokenizerConformance, EveryReferenceVocabIsCovered) {
  CITADEL_REQUIRE_SHARED();
  const auto names = VocabNames();
  for (const char* name : {"llama-spm", "phi-3", "llama-bpe", "qwen2", "qwen35", "gpt-2",
                           "deepseek-llm", "deepseek-coder", "falcon", "starcoder", "refact", "mpt",
                           "command-r", "gemma-4", "bert-bge"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

}  // namespace
}  // namespace citadel::tokenizer
