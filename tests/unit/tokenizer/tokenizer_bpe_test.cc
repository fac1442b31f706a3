#include <gtest/gtest.h>

#include <thread>

#include "tokenizer/tokenizer.h"
#include "tokenizer_test_vocabs.h"

namespace citadel::tokenizer {
namespace {

using namespace testing;  // NOLINT: the test vocab constants
using Ids = std::vector<TokenId>;

std::unique_ptr<Tokenizer> Bpe(Vocab vocab = BpeVocab()) {
  auto tok = Tokenizer::FromVocab(std::move(vocab));
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return std::move(tok).value();
}

TEST(BpeTokenizerTest, MergesByRankWithinPreTokenizedWords) {
  auto tok = Bpe();
  EXPECT_EQ(tok->Encode("hello world", false, false), (Ids{kBpeHello, kBpeSpaceWorld}));
  // Two spaces: the run keeps its last space for the next word.
  EXPECT_EQ(tok->Encode("hello  world", false, false), (Ids{kBpeHello, ' ', kBpeSpaceWorld}));
  // Equal ranks merge leftmost first.
  EXPECT_EQ(tok->Encode("lll", false, false), (Ids{kBpeLl, 'l'}));
  EXPECT_EQ(tok->Encode("oh", false, false), (Ids{'o', 'h'}));
}

TEST(BpeTokenizerTest, InvalidUtf8BecomesReplacementCharacterBytes) {
  auto tok = Bpe();
  EXPECT_EQ(tok->Encode("\xFF", false, false), (Ids{0xEF, 0xBF, 0xBD}));
  EXPECT_EQ(tok->Decode(tok->Encode("a\xC3", false, false)), "a\xEF\xBF\xBD");
}

TEST(BpeTokenizerTest, DecodeGivesTheTextBack) {
  auto tok = Bpe();
  for (const std::string text :
       {"hello world", "  leading", "tabs\tand\nnewlines\r\n", "ünïcödé 日本語 😀", ""}) {
    EXPECT_EQ(tok->Decode(tok->Encode(text, false, false)), text);
  }
  EXPECT_EQ(tok->TokenPiece(kBpeSpaceWorld), " world");
  EXPECT_EQ(tok->TokenPiece(' '), " ");
}

TEST(BpeTokenizerTest, ControlTokensOnlyWithParseSpecialUserDefinedAlways) {
  auto tok = Bpe();
  EXPECT_EQ(tok->Encode("<|im_start|>hello", false, true), (Ids{kBpeImStart, kBpeHello}));
  const Ids plain = tok->Encode("<|im_start|>hello", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), kBpeImStart), 0);
  EXPECT_EQ(tok->Decode(plain), "<|im_start|>hello");
  EXPECT_EQ(tok->Encode("<tool>", false, false), Ids{kBpeTool});
  // Control tokens are not shown by Decode; their text is still available.
  EXPECT_EQ(tok->Decode(Ids{kBpeImStart, kBpeHello}), "hello");
  EXPECT_EQ(tok->TokenPiece(kBpeImStart), "<|im_start|>");
  EXPECT_EQ(tok->TokenText(kBpeImStart), "<|im_start|>");
  EXPECT_EQ(tok->FindToken("<|im_start|>"), kBpeImStart);
  EXPECT_EQ(tok->FindToken("nope"), kNoToken);
}

TEST(BpeTokenizerTest, SpecialIdsAndEndOfGeneration) {
  auto tok = Bpe();
  EXPECT_EQ(tok->eos(), kBpeEndOfText);
  EXPECT_TRUE(tok->IsEndOfGeneration(kBpeEndOfText));
  EXPECT_FALSE(tok->IsEndOfGeneration(kBpeImStart));
  EXPECT_FALSE(tok->add_bos());
  EXPECT_EQ(tok->Encode("hello", true, false), Ids{kBpeHello});
  Vocab with_bos = BpeVocab();
  with_bos.add_bos = 1;
  with_bos.add_eos = 1;
  EXPECT_EQ(Bpe(with_bos)->Encode("hello", true, false),
            (Ids{kBpeEndOfText, kBpeHello, kBpeEndOfText}));
  EXPECT_EQ(tok->newline(), '\n');
}

TEST(BpeTokenizerTest, UnknownPreTokenizerIsAnError) {
  Vocab vocab = BpeVocab();
  vocab.pre = "no-such-pre-tokenizer";
  const auto tok = Tokenizer::FromVocab(vocab);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(tok.status().message().find("no-such-pre-tokenizer"), std::string::npos);
}

TEST(BpeTokenizerTest, EveryKnownPreTokenizerLoadsAndRoundTrips) {
  for (const char* pre : {"default", "llama-bpe", "qwen2", "qwen35", "gpt-2", "deepseek-llm",
                          "deepseek-coder", "falcon", "starcoder", "refact", "mpt", "command-r",
                          "deepseek-v3", "bloom", "gpt-4o", "tekken", "viking", "seed-coder"}) {
    Vocab vocab = BpeVocab();
    vocab.pre = pre;
    auto tok = Tokenizer::FromVocab(vocab);
    ASSERT_TRUE(tok.ok()) << pre << ": " << tok.status().ToString();
    const std::string text = "Hello world's 12345 日本語\n\n  x ünï — 😀";
    EXPECT_EQ((*tok)->Decode((*tok)->Encode(text, false, false)), text) << pre;
  }
}

TEST(BpeTokenizerTest, ConcurrentEncodeIsConsistent) {
  auto tok = Bpe();
  const std::string text = "hello world hello  world lll <tool> \xFF";
  const Ids expected = tok->Encode(text, true, true);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) failures[t] += tok->Encode(text, true, true) != expected;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0);
}

TEST(WpmTokenizerTest, NormalisesAndSplitsLikeBert) {
  auto tok = Tokenizer::FromVocab(WpmVocab());
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ((*tok)->Encode("Hello, WORLD!", false, false), (Ids{4, 7, 5, 8}));
  EXPECT_EQ((*tok)->Encode("Caf\xC3\xA9", false, false), Ids{6});
  EXPECT_EQ((*tok)->Encode("xyz hello", false, false), (Ids{1, 4}));
  EXPECT_EQ((*tok)->Encode("worldld", false, false), (Ids{5, 10}));
  EXPECT_EQ((*tok)->Encode("hello", true, false), (Ids{2, 4, 3}));
}

}  // namespace
}  // namespace citadel::tokenizer

namespace citadel::tokenizer {
namespace {

using Ids = std::vector<TokenId>;

// gemma4: BPE over raw UTF-8 with U+2581 for spaces and <0xXX> byte fallback.
TEST(Gemma4TokenizerTest, SentencePieceSpacesAndByteFallback) {
  Vocab vocab = testing::SpmVocab();
  vocab.model = "gemma4";
  vocab.merges = {"\xE2\x96\x81 h", "e l", "l l", "l o"};
  vocab.bos_id = 1;
  auto tok = Tokenizer::FromVocab(vocab);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ((*tok)->Encode("hello", false, false), (Ids{260, 265, 271}));
  EXPECT_EQ((*tok)->Encode(" hi", false, false),
            (Ids{testing::kSpmSpaceH, testing::kSpmByteBase + 'i'}));
  EXPECT_TRUE((*tok)->add_bos());  // always on for gemma4, as in the reference
  EXPECT_EQ((*tok)->Encode("hello", true, false), (Ids{1, 260, 265, 271}));
  for (const std::string text : {" hi", "hello\n\nhello", "\xE2\x82\xAC x"}) {
    EXPECT_EQ((*tok)->Decode((*tok)->Encode(text, false, false)), text);
  }
}

// Phi-3 drops the whitespace after its special tokens when parsing them.
TEST(SpecialTokenTest, Phi3StripsSpacesAfterSpecialTokens) {
  Vocab vocab = testing::SpmVocab();
  vocab.tokens.push_back("<|end|>");
  vocab.types.push_back(TokenType::kControl);
  vocab.scores.push_back(0.0f);
  const TokenId end = static_cast<TokenId>(vocab.tokens.size() - 1);
  Vocab phi3 = vocab;
  phi3.model_name = "Phi-3 Mini";
  auto plain = Tokenizer::FromVocab(vocab);
  auto stripped = Tokenizer::FromVocab(phi3);
  ASSERT_TRUE(plain.ok() && stripped.ok());
  const Ids with_space = (*stripped)->Encode("hello<|end|>  hello", false, true);
  EXPECT_EQ(with_space, (*stripped)->Encode("hello<|end|>hello", false, true));
  EXPECT_EQ(with_space[1], end);
  EXPECT_NE((*plain)->Encode("hello<|end|>  hello", false, true), with_space);
  EXPECT_TRUE((*stripped)->IsEndOfGeneration(end));
}

}  // namespace
}  // namespace citadel::tokenizer
