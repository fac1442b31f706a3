// The streaming word filter: a term split across pieces is caught, masked
// text never leaves the filter, stop ends the answer before the term, and
// the streamed output always equals the non-streamed output.
#include "security/stream_filter.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace citadel::security {
namespace {

std::shared_ptr<const WordMatcher> Matcher(const std::vector<std::string>& words) {
  std::vector<WordTerm> terms;
  for (std::size_t i = 0; i < words.size(); ++i) {
    terms.push_back({static_cast<std::uint32_t>(i + 1), words[i]});
  }
  auto matcher = WordMatcher::Build(terms);
  EXPECT_TRUE(matcher.ok());
  return std::make_shared<const WordMatcher>(std::move(*matcher));
}

const std::shared_ptr<const WordMatcher>& Lexicon() {
  static const auto matcher = Matcher({"违禁词", "秘密计划", "敏感", "敏感话题", "badword", "ass"});
  return matcher;
}

struct Streamed {
  std::string text;
  bool stopped = false;
  std::vector<std::string> sent;  // every chunk as it left the filter
};

Streamed Stream(const std::vector<std::string>& pieces, WordAction action) {
  StreamFilter filter(Lexicon(), action);
  Streamed out;
  for (const std::string& piece : pieces) {
    FilterChunk chunk = filter.Push(piece);
    out.sent.push_back(chunk.text);
    out.text += chunk.text;
    out.stopped = out.stopped || chunk.stopped;
  }
  FilterChunk last = filter.Finish();
  out.sent.push_back(last.text);
  out.text += last.text;
  out.stopped = out.stopped || last.stopped;
  return out;
}

// `text` cut into `n` pieces at code-point boundaries, as evenly as possible.
std::vector<std::string> Split(const std::string& text, std::size_t n) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  std::vector<std::string> pieces;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t a = starts.size() * k / n;
    const std::size_t b = starts.size() * (k + 1) / n;
    const std::size_t from = a < starts.size() ? starts[a] : text.size();
    const std::size_t to = b < starts.size() ? starts[b] : text.size();
    pieces.push_back(text.substr(from, to - from));
  }
  return pieces;
}

TEST(StreamFilterTest, TermSplitAcrossOneTwoAndFiveTokensIsMasked) {
  for (const std::vector<std::string>& pieces : {std::vector<std::string>{"这是违禁词吗"},
                                                 {"这是违禁", "词吗"},
                                                 {"这是违", "禁", "词", "吗", ""},
                                                 {"这", "是违", "禁", "词", "吗"}}) {
    const Streamed out = Stream(pieces, WordAction::kMask);
    EXPECT_EQ(out.text, "这是***吗");
    for (const std::string& sent : out.sent) {
      EXPECT_EQ(sent.find("违"), std::string::npos) << "part of a term was sent: " << sent;
    }
  }
}

TEST(StreamFilterTest, TermsAtStartAndEndAndInTheHoldBackWhenTheAnswerEnds) {
  EXPECT_EQ(Stream({"违禁词", "开头"}, WordAction::kMask).text, "***开头");
  EXPECT_EQ(Stream({"结尾是", "违禁"}, WordAction::kMask).text, "结尾是违禁");  // incomplete term
  const Streamed held = Stream({"结尾是", "违禁", "词"}, WordAction::kMask);
  EXPECT_EQ(held.text, "结尾是***");
  EXPECT_NE(held.sent.back().find("***"), std::string::npos)
      << "the term waited in the hold-back until Finish";
  for (std::size_t i = 0; i + 1 < held.sent.size(); ++i)
    EXPECT_EQ(held.sent[i].find("违"), std::string::npos);
  EXPECT_EQ(Stream({"you a", "ss"}, WordAction::kMask).text, "you ***");
  EXPECT_EQ(Stream({"cl", "ass"}, WordAction::kMask).text, "class");
  EXPECT_EQ(Stream({"ass", "ign"}, WordAction::kMask).text, "assign");
}

TEST(StreamFilterTest, OverlappingTermsMaskTheirUnion) {
  EXPECT_EQ(Stream({"敏", "感话", "题讨论"}, WordAction::kMask).text, "****讨论");
  EXPECT_EQ(Stream({"秘密计", "划敏感"}, WordAction::kMask).text, "******");
}

TEST(StreamFilterTest, SeparatorsAndFullWidthInsideASplitTerm) {
  EXPECT_EQ(Stream({"a ｂａ", "ｄ-w", "ord!"}, WordAction::kMask).text, "a ********!");
  EXPECT_EQ(Stream({"违 ", "禁\u200B", "词"}, WordAction::kMask).text, "*****");
}

TEST(StreamFilterTest, StopEndsTheAnswerBeforeTheTerm) {
  const Streamed out = Stream({"前面的话，", "然后违", "禁词", "后面的话"}, WordAction::kStop);
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "前面的话，然后");
  const FilterChunk whole =
      FilterText(Lexicon(), WordAction::kStop, "前面的话，然后违禁词后面的话");
  EXPECT_TRUE(whole.stopped);
  EXPECT_EQ(whole.text, out.text);
  ASSERT_EQ(whole.term_ids.size(), 1u);
  EXPECT_EQ(whole.term_ids[0], 1u);
  EXPECT_FALSE(Stream({"干净的", "回答"}, WordAction::kStop).stopped);
}

TEST(StreamFilterTest, OffPassesEverythingThrough) {
  EXPECT_EQ(Stream({"违禁", "词"}, WordAction::kOff).text, "违禁词");
  StreamFilter empty(Matcher({}), WordAction::kMask);
  EXPECT_EQ(empty.Push("违禁词").text, "违禁词");
}

TEST(StreamFilterTest, StreamedEqualsNonStreamedForAnySplit) {
  const std::vector<std::string> texts = {
      "这是违禁词，还有秘密计划和敏感话题。badword here, class ass assign.",
      "违禁词违禁词违禁词",
      "敏感敏感话题敏感",
      "a s s, b-a-d-w-o-r-d, ＢＡＤＷＯＲＤ",
      "没有任何问题的回答。",
      "违",
      "",
      "x违禁词"};
  std::mt19937 rng(42);
  for (const WordAction action : {WordAction::kMask, WordAction::kStop}) {
    for (const std::string& text : texts) {
      const FilterChunk whole = FilterText(Lexicon(), action, text);
      for (int trial = 0; trial < 200; ++trial) {
        std::vector<std::string> pieces;  // cut anywhere, even inside a character
        for (std::size_t pos = 0; pos < text.size();) {
          const std::size_t length = std::min<std::size_t>(1 + rng() % 7, text.size() - pos);
          pieces.push_back(text.substr(pos, length));
          pos += length;
        }
        const Streamed out = Stream(pieces, action);
        ASSERT_EQ(out.text, whole.text) << text;
        ASSERT_EQ(out.stopped, whole.stopped) << text;
      }
    }
  }
}

TEST(StreamFilterTest, MaskMatchesCoversEveryCodePointOfTheUnion) {
  const std::string text = "ab违禁cd";
  EXPECT_EQ(MaskMatches(text, {{1, 5, 1}, {2, 8, 2}}), "a***cd");
  EXPECT_EQ(MaskMatches(text, {}), text);
}

}  // namespace
}  // namespace citadel::security
