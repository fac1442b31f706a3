#include "tokenizer/unicode.h"

#include <gtest/gtest.h>

namespace citadel::tokenizer {
namespace {

TEST(UnicodeTest, CategoriesAndWhitespace) {
  EXPECT_TRUE(CodepointFlagsOf('a') & kFlagLetter);
  EXPECT_TRUE(CodepointFlagsOf(0x65E5) & kFlagLetter);  // 日
  EXPECT_TRUE(CodepointFlagsOf('7') & kFlagNumber);
  EXPECT_TRUE(CodepointFlagsOf(0x00BD) & kFlagNumber);  // ½
  EXPECT_TRUE(CodepointFlagsOf('!') & kFlagPunctuation);
  EXPECT_TRUE(CodepointFlagsOf('$') & kFlagSymbol);
  EXPECT_TRUE(CodepointFlagsOf(0x0301) & kFlagMark);
  EXPECT_TRUE(CodepointFlagsOf(0x1F600) & kFlagSymbol);
  for (std::uint32_t ws : {0x20u, 0x09u, 0x0Au, 0x0Bu, 0x85u, 0xA0u, 0x3000u, 0x2009u}) {
    EXPECT_TRUE(CodepointFlagsOf(ws) & kFlagWhitespace) << ws;
  }
  EXPECT_FALSE(CodepointFlagsOf(0x200B) & kFlagWhitespace);  // zero width space is Cf
  EXPECT_EQ(CodepointFlagsOf(0x0378), kFlagUndefined);       // unassigned
  EXPECT_EQ(CodepointFlagsOf(0x110000), kFlagUndefined);
}

TEST(UnicodeTest, LenientDecodingMatchesTheReference) {
  EXPECT_EQ(DecodeUtf8("a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80"),
            (std::vector<std::uint32_t>{'a', 0xE9, 0x65E5, 0x1F600}));
  // Bad lead, truncated sequence: one U+FFFD per byte consumed.
  EXPECT_EQ(DecodeUtf8("\x80x"), (std::vector<std::uint32_t>{0xFFFD, 'x'}));
  EXPECT_EQ(DecodeUtf8("\xE6\x97"), (std::vector<std::uint32_t>{0xFFFD, 0xFFFD}));
  EXPECT_EQ(DecodeUtf8("\xF4\x90\x80\x80"),  // above U+10FFFF
            (std::vector<std::uint32_t>{0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}));
  // Overlong forms decode (as the reference does).
  EXPECT_EQ(DecodeUtf8("\xC0\x80"), (std::vector<std::uint32_t>{0}));
  EXPECT_TRUE(IsLenientUtf8("h\xC3\xA9"));
  EXPECT_FALSE(IsLenientUtf8("h\xC3"));
}

TEST(UnicodeTest, StrictSequenceStatus) {
  EXPECT_EQ(Utf8SequenceStatus("a"), 1);
  EXPECT_EQ(Utf8SequenceStatus("\xE2\x82\xAC"), 3);
  EXPECT_EQ(Utf8SequenceStatus("\xE2\x82"), 0);
  EXPECT_EQ(Utf8SequenceStatus("\xE2\x41"), -1);
  EXPECT_EQ(Utf8SequenceStatus("\xC0\x80"), -1);      // overlong
  EXPECT_EQ(Utf8SequenceStatus("\xED\xA0\x80"), -1);  // surrogate
  EXPECT_EQ(Utf8SequenceStatus("\xFF"), -1);
}

TEST(UnicodeTest, CaseAndDecomposition) {
  EXPECT_EQ(ToLowerCodepoint('A'), static_cast<std::uint32_t>('a'));
  EXPECT_EQ(ToLowerCodepoint(0xC4), 0xE4u);  // Ä -> ä
  EXPECT_EQ(ToLowerCodepoint(0x65E5), 0x65E5u);
  EXPECT_EQ(NfdFirstCodepoint(0xE9), static_cast<std::uint32_t>('e'));  // é
  EXPECT_EQ(NfdFirstCodepoint('e'), static_cast<std::uint32_t>('e'));
  std::string out;
  AppendUtf8(0x1F600, &out);
  EXPECT_EQ(out, "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace citadel::tokenizer
