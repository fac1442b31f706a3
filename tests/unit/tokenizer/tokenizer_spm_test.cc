#include <gtest/gtest.h>

#include "tokenizer/tokenizer.h"
#include "tokenizer_test_vocabs.h"

namespace citadel::tokenizer {
namespace {

using testing::kSpmByteBase;
using testing::kSpmHello;
using testing::kSpmSpace;
using testing::kSpmSpaceH;
using Ids = std::vector<TokenId>;

std::unique_ptr<Tokenizer> Spm() {
  auto tok = Tokenizer::FromVocab(testing::SpmVocab());
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return std::move(tok).value();
}

TEST(SpmTokenizerTest, MergesByScoreWithPrefixSpace) {
  auto tok = Spm();
  EXPECT_EQ(tok->Encode("hello", false, false), Ids{kSpmHello});
  EXPECT_EQ(tok->Encode("hello", true, false), (Ids{1, kSpmHello}));
  EXPECT_TRUE(tok->add_bos());
  EXPECT_FALSE(tok->add_eos());
  EXPECT_EQ(tok->bos(), 1);
  EXPECT_EQ(tok->eos(), 2);
  EXPECT_EQ(tok->unk(), 0);
}

TEST(SpmTokenizerTest, UnknownCharactersFallBackToBytes) {
  auto tok = Spm();
  EXPECT_EQ(tok->Encode("hi", false, false), (Ids{kSpmSpaceH, kSpmByteBase + 'i'}));
  EXPECT_EQ(tok->Encode("\xE2\x82\xAC", false, false),
            (Ids{kSpmSpace, kSpmByteBase + 0xE2, kSpmByteBase + 0x82, kSpmByteBase + 0xAC}));
  // Invalid UTF-8 stays bytes.
  EXPECT_EQ(tok->Encode("\xFF", false, false), (Ids{kSpmSpace, kSpmByteBase + 0xFF}));
}

TEST(SpmTokenizerTest, DecodeStripsThePrefixSpaceAndJoinsBytes) {
  auto tok = Spm();
  for (const std::string text : {"hello", "hi", "\xE2\x82\xAC", " hello  hello", "", "h\ne"}) {
    EXPECT_EQ(tok->Decode(tok->Encode(text, false, false)), text);
    EXPECT_EQ(tok->Decode(tok->Encode(text, true, false)), text);
  }
  EXPECT_EQ(tok->TokenPiece(kSpmHello), " hello");
  EXPECT_EQ(tok->TokenPiece(kSpmByteBase + 'A'), "A");
  EXPECT_EQ(tok->TokenPiece(1), "<s>");
  EXPECT_FALSE(tok->IsRendered(1));
  EXPECT_TRUE(tok->IsControl(1));
  EXPECT_EQ(tok->TokenPiece(99999), "");
}

TEST(SpmTokenizerTest, SpecialTokensOnlyWhenParsed) {
  auto tok = Spm();
  EXPECT_EQ(tok->Encode("</s>", false, true), Ids{2});
  const Ids plain = tok->Encode("</s>", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 2), 0);
  EXPECT_EQ(tok->Decode(plain), "</s>");
  EXPECT_TRUE(tok->IsEndOfGeneration(2));
  EXPECT_FALSE(tok->IsEndOfGeneration(kSpmHello));
}

TEST(SpmTokenizerTest, StreamDecoderNeverSplitsACharacter) {
  auto tok = Spm();
  const Ids ids = tok->Encode("\xE2\x82\xAC!", false, false);
  StreamDecoder stream(*tok);
  std::string out;
  std::vector<std::string> chunks;
  for (const TokenId id : ids) {
    chunks.push_back(stream.Push(id));
    out += chunks.back();
  }
  out += stream.Flush();
  EXPECT_EQ(out, "\xE2\x82\xAC!");
  for (const std::string& chunk : chunks) {
    EXPECT_TRUE(chunk.empty() || chunk == "\xE2\x82\xAC" || chunk == "!") << chunk;
  }
}

TEST(SpmTokenizerTest, StreamDecoderReplacesInvalidBytes) {
  auto tok = Spm();
  StreamDecoder stream(*tok);
  EXPECT_EQ(stream.Push(kSpmByteBase + 0xE2), "");
  EXPECT_EQ(stream.Push(kSpmByteBase + 0x82), "");
  EXPECT_EQ(stream.Flush(), "\xEF\xBF\xBD");
  StreamDecoder bad(*tok);
  EXPECT_EQ(bad.Push(kSpmByteBase + 0xFF), "\xEF\xBF\xBD");
  EXPECT_EQ(bad.Push(kSpmByteBase + 'a'), "a");
  EXPECT_EQ(bad.Flush(), "");
}

TEST(SpmTokenizerTest, StreamDecoderSkipsControlAndLeadingSpace) {
  auto tok = Spm();
  StreamDecoder stream(*tok);
  EXPECT_EQ(stream.Push(1), "");  // BOS
  EXPECT_EQ(stream.Push(kSpmHello), "hello");
  EXPECT_EQ(stream.Push(kSpmHello), " hello");
  EXPECT_EQ(stream.Push(2), "");  // EOS
}

TEST(SpmTokenizerTest, RejectsMalformedVocab) {
  Vocab empty = testing::SpmVocab();
  empty.tokens.clear();
  empty.types.clear();
  empty.scores.clear();
  EXPECT_EQ(Tokenizer::FromVocab(empty).status().code(), StatusCode::kInvalidArgument);
  Vocab short_scores = testing::SpmVocab();
  short_scores.scores.pop_back();
  EXPECT_EQ(Tokenizer::FromVocab(short_scores).status().code(), StatusCode::kInvalidArgument);
  Vocab unknown = testing::SpmVocab();
  unknown.model = "t9";
  EXPECT_EQ(Tokenizer::FromVocab(unknown).status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace citadel::tokenizer
