// The sensitive-word matcher: normalisation (full-width, case, separators,
// zero-width characters), offsets back in the original text, overlapping
// terms, Latin word boundaries, and the lexicon file.
#include "security/word_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "security/text_normalize.h"

namespace citadel::security {
namespace {

WordMatcher Matcher(const std::vector<std::string>& words) {
  std::vector<WordTerm> terms;
  for (std::size_t i = 0; i < words.size(); ++i) {
    terms.push_back({static_cast<std::uint32_t>(i + 1), words[i]});
  }
  auto matcher = WordMatcher::Build(terms);
  EXPECT_TRUE(matcher.ok()) << matcher.status().ToString();
  return std::move(*matcher);
}

// "start-end:id" for each match, byte offsets.
std::vector<std::string> Find(const WordMatcher& m, std::string_view text) {
  std::vector<WordMatch> matches;
  m.FindAll(text, {}, matches);
  std::vector<std::string> out;
  for (const WordMatch& w : matches) {
    out.push_back(std::to_string(w.start) + "-" + std::to_string(w.end) + ":" +
                  std::to_string(w.term_id));
  }
  return out;
}
using V = std::vector<std::string>;

TEST(TextNormalizeTest, FullWidthCaseAndSeparators) {
  EXPECT_EQ(NormalizeCodePoint(U'Ａ'), U'a');
  EXPECT_EQ(NormalizeCodePoint(U'ｚ'), U'z');
  EXPECT_EQ(NormalizeCodePoint(U'９'), U'9');
  EXPECT_EQ(NormalizeCodePoint(U'Ж'), U'ж');
  EXPECT_EQ(NormalizeCodePoint(U'\u3000'), kIgnoredCodePoint);
  EXPECT_EQ(NormalizeCodePoint(U'\u200B'), kIgnoredCodePoint);
  EXPECT_EQ(NormalizeCodePoint(U'，'), kIgnoredCodePoint);
  EXPECT_EQ(NormalizeCodePoint(U'-'), kIgnoredCodePoint);
  EXPECT_EQ(NormalizeCodePoint(U'敏'), U'敏');
  char32_t cp = 0;
  EXPECT_EQ(DecodeUtf8("\xE6\x95\x8F", 0, cp), 3u);
  EXPECT_EQ(cp, U'敏');
  EXPECT_EQ(DecodeUtf8("\xE6\x95", 0, cp), 1u);  // truncated
  EXPECT_EQ(cp, kReplacementCodePoint);
  EXPECT_EQ(DecodeUtf8("\xC0\x80", 0, cp), 1u);  // overlong
}

TEST(WordMatcherTest, FindsTermsUnderNormalisationWithOriginalOffsets) {
  const WordMatcher m = Matcher({"违禁词", "badword"});
  EXPECT_EQ(Find(m, "这是违禁词。"), (V{"6-15:1"}));
  EXPECT_EQ(Find(m, "违 禁\u200B词"), (V{"0-13:1"}));  // space and zero-width inside
  EXPECT_EQ(Find(m, "ＢＡＤ－ｗｏｒｄ!"), (V{"0-24:2"}));
  EXPECT_EQ(Find(m, "a B.a.D w o r d."), (V{"2-15:2"}));
  EXPECT_EQ(Find(m, "nothing here"), V{});
  EXPECT_EQ(Find(m, ""), V{});
}

TEST(WordMatcherTest, OverlappingAndNestedTermsAreAllReported) {
  const WordMatcher m = Matcher({"敏感", "敏感话题", "话题", "he", "she", "hers"});
  EXPECT_EQ(Find(m, "敏感话题"), (V{"0-6:1", "0-12:2", "6-12:3"}));
  EXPECT_EQ(Find(m, "ushers"), V{});  // Latin terms need word boundaries
  EXPECT_EQ(Find(m, "she"), (V{"0-3:5"}));
  // Spelled out, the letters have separators for boundaries on every side.
  EXPECT_EQ(Find(m, "s-h-e-r-s"), (V{"0-5:5", "2-5:4", "2-9:6"}));
}

TEST(WordMatcherTest, LatinTermsMatchOnlyAtWordBoundaries) {
  const WordMatcher m = Matcher({"ass"});
  EXPECT_EQ(Find(m, "class assignment"), V{});
  EXPECT_EQ(Find(m, "you ass."), (V{"4-7:1"}));
  EXPECT_EQ(Find(m, "a s s"), (V{"0-5:1"}));
  EXPECT_EQ(Find(m, "中文ass中文"), (V{"6-9:1"}));
  std::vector<WordMatch> matches;
  m.FindAll("ass", WordScanContext{true, true}, matches);  // a letter came before
  EXPECT_TRUE(matches.empty());
  m.FindAll("ass", WordScanContext{false, false}, matches);  // the next piece may go on
  EXPECT_TRUE(matches.empty());
}

TEST(WordMatcherTest, ManyTermsWithSharedPrefixesAndFailureLinks) {
  std::vector<std::string> words;
  for (int i = 0; i < 500; ++i) words.push_back("词" + std::to_string(i) + "号");
  const WordMatcher m = Matcher(words);
  EXPECT_EQ(m.term_count(), 500u);
  EXPECT_EQ(Find(m, "词12词123号"), (V{"5-14:124"}));
}

TEST(WordLexiconTest, ParsesLinesWithIdsAndRejectsBadUtf8) {
  auto terms = ParseWords("# comment\n违禁词\r\n\n  badword  \n", "words.txt");
  ASSERT_TRUE(terms.ok());
  ASSERT_EQ(terms->size(), 2u);
  EXPECT_EQ((*terms)[0].id, 2u);
  EXPECT_EQ((*terms)[0].text, "违禁词");
  EXPECT_EQ((*terms)[1].id, 4u);
  EXPECT_EQ((*terms)[1].text, "badword");
  auto bad = ParseWords("ok\n\xFF\xFE\n", "words.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("words.txt:2"), std::string::npos);
  EXPECT_EQ(LoadWordsFile("/nonexistent/words.txt").status().code(), StatusCode::kNotFound);
  auto file = LoadWordsFile(std::string(CITADEL_SOURCE_DIR) + "/tests/data/policy/words.txt");
  ASSERT_TRUE(file.ok());
  auto matcher = WordMatcher::Build(*file);
  ASSERT_TRUE(matcher.ok());
  std::vector<WordMatch> matches;
  matcher->FindAll("this is top secret", {}, matches);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].start, 8u);
}

TEST(WordMatcherTest, OverlongTermsAreRejected) {
  std::vector<WordTerm> terms{{1, std::string(65, 'a')}};
  EXPECT_EQ(WordMatcher::Build(terms).status().code(), StatusCode::kInvalidArgument);
  terms = {{1, " - "}};  // normalises to nothing: skipped
  auto m = WordMatcher::Build(terms);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->empty());
}

}  // namespace
}  // namespace citadel::security

namespace citadel::security {
namespace {

// 1 MB of adversarial text: long runs of a term's prefix (the failure links'
// worst case), random code points, invalid bytes, separators between every
// character. Linear time keeps this well inside the test timeout.
TEST(WordMatcherTest, OneMegabyteOfAdversarialTextScansCleanly) {
  const WordMatcher m = Matcher({"aaaaaaab", "aaa", "违违违禁", "a-b"});
  std::string text;
  std::uint32_t seed = 1;
  while (text.size() < (1u << 20)) {
    seed = seed * 1103515245u + 12345u;
    switch (seed >> 29) {
      case 0:
        text += std::string(200, 'a');
        break;
      case 1:
        text += "违违违违违违";
        break;
      case 2:
        text.push_back(static_cast<char>(seed >> 8));
        break;
      case 3:
        text += "a\u200Ba\u200Ba-";
        break;
      default:
        text += "ｂ文 z";
        break;
    }
  }
  std::vector<WordMatch> matches;
  m.FindAll(text, {}, matches);
  for (const WordMatch& w : matches) {
    ASSERT_LT(w.start, w.end);
    ASSERT_LE(w.end, text.size());
  }
  EXPECT_FALSE(matches.empty());
}

}  // namespace
}  // namespace citadel::security
