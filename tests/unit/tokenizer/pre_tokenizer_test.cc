#include "tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

#include <random>

#include "tokenizer/unicode.h"
#include "tokenizer/word_scanners.h"

namespace citadel::tokenizer {
namespace {

std::vector<std::string> Words(const PreTokenizer& pre, const std::string& text) {
  const std::vector<std::uint32_t> cpts = DecodeUtf8(text);
  std::vector<std::uint32_t> lengths;
  pre.Split(cpts.data(), cpts.size(), &lengths);
  std::vector<std::string> words;
  std::size_t pos = 0;
  for (const std::uint32_t len : lengths) {
    std::string word;
    for (std::uint32_t i = 0; i < len; ++i) AppendUtf8(cpts[pos + i], &word);
    words.push_back(word);
    pos += len;
  }
  EXPECT_EQ(pos, cpts.size()) << "words must cover the text";
  return words;
}

std::unique_ptr<PreTokenizer> Make(std::vector<SplitRule> rules) {
  auto pre = PreTokenizer::Create(std::move(rules));
  EXPECT_TRUE(pre.ok()) << pre.status().ToString();
  return std::move(pre).value();
}

using Strings = std::vector<std::string>;

TEST(PreTokenizerTest, Gpt2Scanner) {
  auto pre = Make({{SplitKind::kGpt2, ""}});
  EXPECT_EQ(Words(*pre, "I'm 12345 ok!!\n\n  x"),
            (Strings{"I", "'m", " 12345", " ok", "!!", "\n\n ", " x"}));
}

TEST(PreTokenizerTest, Llama3ScannerGroupsDigitsByThree) {
  auto pre = Make({{SplitKind::kLlama3, ""}});
  EXPECT_EQ(Words(*pre, "I'M 12345 ok!!\n\n  x"),
            (Strings{"I", "'M", " ", "123", "45", " ok", "!!\n\n", " ", " x"}));
}

TEST(PreTokenizerTest, Qwen35JoinsMarksToLetters) {
  auto qwen2 = Make({{SplitKind::kQwen2, ""}});
  auto qwen35 = Make({{SplitKind::kQwen35, ""}});
  const std::string text = "ka\xCC\x81t 42";  // a + combining acute
  EXPECT_EQ(Words(*qwen2, text), (Strings{"ka", "\xCC\x81t", " ", "4", "2"}));
  EXPECT_EQ(Words(*qwen35, text), (Strings{"ka\xCC\x81t", " ", "4", "2"}));
}

TEST(PreTokenizerTest, RegexRulesApplyInTurnAndIsolateMatches) {
  auto pre = Make({{SplitKind::kRegex, "\\p{N}"}, {SplitKind::kGpt2, ""}});
  EXPECT_EQ(Words(*pre, "ab 12c"), (Strings{"ab", " ", "1", "2", "c"}));
  auto cjk = Make({{SplitKind::kRegex, "[一-龥]+"}});
  EXPECT_EQ(Words(*cjk, "x日本y"), (Strings{"x", "日本", "y"}));
  auto end = Make({{SplitKind::kRegex, "\\s+$"}});
  EXPECT_EQ(Words(*end, "a b  \n"), (Strings{"a b", "  \n"}));
}

TEST(PreTokenizerTest, BadPatternIsAnError) {
  EXPECT_FALSE(PreTokenizer::Create({{SplitKind::kRegex, "(unclosed"}}).ok());
  EXPECT_FALSE(PreTokenizer::Create({{SplitKind::kRegex, "\\p{Han}+"}}).ok());
}

TEST(PreTokenizerTest, UnknownNameIsUnimplemented) {
  EXPECT_EQ(PreTokenizerConfigFor("surely-not-a-pre").status().code(), StatusCode::kUnimplemented);
  EXPECT_TRUE(PreTokenizerConfigFor("llama-bpe").ok());
  EXPECT_TRUE(PreTokenizerConfigFor("").ok());
}

// The hand-written scanners must split exactly like the regexes they stand
// for, run through the PCRE2 path.
TEST(PreTokenizerTest, ScannersAgreeWithTheirRegexes) {
  const std::pair<SplitKind, const char*> cases[] = {
      {SplitKind::kGpt2,
       "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"},
      {SplitKind::kLlama3,
       "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
       "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
      {SplitKind::kQwen2,
       "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
       "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
      {SplitKind::kQwen35,
       "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}"
       "\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
  };
  const std::vector<std::string> alphabet = {
      "a",  "B",  "z",        "'",  "s",  "T",        "re",           "1",           "7", "٣",
      " ",  "  ", "\t",       "\n", "\r", "\xC2\xA0", "\xE3\x80\x80", "!",           ".", "$",
      "日", "ß",  "\xCC\x81", "😀",  "_",  "-",        "\x01",         "\xEF\xBF\xBD"};
  std::mt19937 rng(42);
  for (const auto& [kind, pattern] : cases) {
    auto scanner = Make({{kind, ""}});
    auto regex = Make({{SplitKind::kRegex, pattern}});
    for (int trial = 0; trial < 400; ++trial) {
      std::string text;
      const int length = static_cast<int>(rng() % 24);
      for (int i = 0; i < length; ++i) text += alphabet[rng() % alphabet.size()];
      ASSERT_EQ(Words(*scanner, text), Words(*regex, text))
          << "kind " << static_cast<int>(kind) << " text \"" << text << "\"";
    }
  }
}

}  // namespace
}  // namespace citadel::tokenizer
