// The output stage on the consumer's side: streamed text never splits a
// UTF-8 character, a possible stop string is held back until it cannot
// match, and a stop string ends the request at the engine with the usage of
// the tokens up to it.
#include "engine/output_stage.h"

#include <gtest/gtest.h>

#include "fake_forward_pass.h"

namespace citadel::engine {
namespace {

using testing::FakeForwardPass;
using testing::kEos;
using testing::Letter;

constexpr auto kTimeout = std::chrono::milliseconds(30000);
constexpr int kPromptLength = 3;

// The test vocabulary with two letters made byte tokens: 'a' -> 0xC3 and
// 'b' -> 0xA9, so "ab" spells "é" across two tokens.
std::unique_ptr<tokenizer::Tokenizer> ByteTokenizer() {
  tokenizer::Vocab vocab;
  vocab.model = "llama";
  vocab.tokens = {"<unk>", "<s>", "</s>"};
  vocab.types = {tokenizer::TokenType::kUnknown, tokenizer::TokenType::kControl,
                 tokenizer::TokenType::kControl};
  for (int i = 0; i < testing::kNumLetters; ++i) {
    const char c = testing::kLetters[i];
    const bool byte = c == 'a' || c == 'b';
    vocab.tokens.push_back(c == 'a' ? "<0xC3>" : c == 'b' ? "<0xA9>" : std::string(1, c));
    vocab.types.push_back(byte ? tokenizer::TokenType::kByte : tokenizer::TokenType::kNormal);
  }
  vocab.tokens.push_back("\xE2\x96\x81");
  vocab.types.push_back(tokenizer::TokenType::kNormal);
  vocab.scores.assign(vocab.tokens.size(), 0.0f);
  vocab.unk_id = 0;
  vocab.bos_id = 1;
  vocab.eos_id = kEos;
  vocab.add_bos = 0;
  vocab.add_space_prefix = 0;
  auto tok = tokenizer::Tokenizer::FromVocab(std::move(vocab));
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return std::move(tok).value();
}

struct Read {
  std::vector<std::string> pieces;  // text of each token event, in order
  std::string text;                 // everything, final text included
  FinalEvent final_event;
};

class OutputStageTest : public ::testing::Test {
 protected:
  // An engine whose model spells `script` (letters as in fake_forward_pass.h)
  // and then ends with </s>.
  void Start(std::string script) {
    forward_ =
        std::make_unique<FakeForwardPass>(64, 16, [script](std::span<const std::int32_t> history) {
          const size_t i = history.size() - kPromptLength;
          return i < script.size() ? Letter(script[i]) : kEos;
        });
    auto engine = Engine::Create(*forward_, *tok_, {}, KvLayout{64, 16, 256, 7});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  Read Run(std::vector<std::string> stops, int max_tokens = 0) {
    StopConditions stop;
    stop.max_tokens = max_tokens;
    SamplingParams greedy;
    greedy.temperature = 0;
    auto stream = engine_->Submit({5, 6, 7}, greedy, stop);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    OutputStage output(*engine_, *stream, std::move(stops));
    Read read;
    while (auto event = output.Next(kTimeout)) {
      if (auto* token = std::get_if<TokenEvent>(&*event)) {
        read.pieces.push_back(token->text);
        read.text += token->text;
      } else {
        read.final_event = std::get<FinalEvent>(std::move(*event));
        read.text += read.final_event.text;
      }
    }
    EXPECT_TRUE(output.finished());
    return read;
  }

  std::unique_ptr<tokenizer::Tokenizer> tok_ = ByteTokenizer();
  std::unique_ptr<FakeForwardPass> forward_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(OutputStageTest, ACharacterSplitAcrossTokensIsSentWhole) {
  Start("xaby");
  Read r = Run({});
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"x", "", "\xC3\xA9", "y"}));
  EXPECT_EQ(r.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(r.final_event.usage.completion_tokens, 5);  // x, a, b, y, </s>
}

TEST_F(OutputStageTest, ATruncatedCharacterAtTheEndBecomesAReplacementCharacter) {
  Start("xa");
  Read r = Run({});
  EXPECT_EQ(r.text, "x\xEF\xBF\xBD");
  EXPECT_EQ(r.final_event.text, "\xEF\xBF\xBD");
}

TEST_F(OutputStageTest, APossibleStopIsHeldBackAndReleasedWhenItIsNot) {
  Start("xEyEND");
  Read r = Run({"END"});
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"x", "", "Ey", "", "", ""}));
  EXPECT_EQ(r.text, "xEy");
  EXPECT_EQ(r.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(r.final_event.usage.completion_tokens, 6);
}

TEST_F(OutputStageTest, AStopAfterAMultiByteCharacterKeepsTheCharacter) {
  Start("abSTOPxyz");
  Read r = Run({"STOP"});
  EXPECT_EQ(r.text, "\xC3\xA9");
  EXPECT_EQ(r.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(r.final_event.usage.completion_tokens, 6);
  EXPECT_EQ(engine_->Metrics().kv_blocks_used, 0);
}

TEST_F(OutputStageTest, AStopOnTheLastAllowedTokenIsAStopNotALength) {
  Start("xyEND");
  Read r = Run({"END"}, /*max_tokens=*/5);
  EXPECT_EQ(r.text, "xy");
  EXPECT_EQ(r.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(r.final_event.usage.completion_tokens, 5);
}

TEST_F(OutputStageTest, TheLengthLimitReleasesAHeldBackTail) {
  Start("xyEN");
  Read r = Run({"END"}, /*max_tokens=*/4);
  EXPECT_EQ(r.text, "xyEN");
  EXPECT_EQ(r.final_event.text, "EN");
  EXPECT_EQ(r.final_event.reason, FinishReason::kLength);
}

}  // namespace
}  // namespace citadel::engine
