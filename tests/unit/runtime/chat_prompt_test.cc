#include "runtime/chat_prompt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "unit/runtime/synthetic_file.h"

namespace citadel::runtime {
namespace {

// A model file (no chat template of its own) opened with its tokenizer.
class ChatPromptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = gguf::GgufFile::Open(file_.path());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    gguf_ = std::make_unique<gguf::GgufFile>(std::move(opened).value());
    auto tok = tokenizer::Tokenizer::FromGguf(*gguf_);
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    tok_ = std::move(tok).value();
  }

  std::vector<std::string> warnings_;
  WarningSink Collect() {
    return [this](std::string_view line) { warnings_.emplace_back(line); };
  }
  static std::vector<ChatMessage> Hello() {
    ChatMessage user;
    user.role = "user";
    user.content = "hi";
    return {user};
  }

  SyntheticFile file_{"citadel_chat_prompt_test"};
  std::unique_ptr<gguf::GgufFile> gguf_;
  std::unique_ptr<tokenizer::Tokenizer> tok_;
};

constexpr char kChatMlHello[] = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";

TEST_F(ChatPromptTest, AModelWithoutATemplateGetsChatMlSilently) {
  ChatPrompt prompt = ChatPrompt::ForModel(*gguf_, *tok_, Collect());
  EXPECT_TRUE(warnings_.empty());
  EXPECT_FALSE(prompt.fell_back_to_chatml());
  auto text = prompt.Render(Hello(), "");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, kChatMlHello);
}

TEST_F(ChatPromptTest, ATemplateThatDoesNotParseFallsBackToChatMlWithOneWarning) {
  ChatPrompt prompt = ChatPrompt::FromSource("{% for m in messages %}{{ m.content }", "broken.gguf",
                                             *tok_, Collect());
  EXPECT_TRUE(prompt.fell_back_to_chatml());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("broken.gguf"), std::string::npos) << warnings_[0];
  EXPECT_NE(warnings_[0].find("does not parse"), std::string::npos) << warnings_[0];
  EXPECT_NE(warnings_[0].find("ChatML"), std::string::npos) << warnings_[0];
  EXPECT_EQ(warnings_[0].find('\n'), std::string::npos) << "one line";
  auto text = prompt.Render(Hello(), "");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, kChatMlHello);
}

TEST_F(ChatPromptTest, AWorkingTemplateRendersWithTheVocabularysBosAndEos) {
  ChatPrompt prompt = ChatPrompt::FromSource(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}"
      "{% endfor %}",
      "model.gguf", *tok_, Collect());
  EXPECT_TRUE(warnings_.empty());
  EXPECT_FALSE(prompt.fell_back_to_chatml());
  auto text = prompt.Render(Hello(), "");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "<s>[user]hi</s>");
}

TEST_F(ChatPromptTest, BosAppearsOnceWhetherOrNotTheTemplateWritesIt) {
  ASSERT_TRUE(tok_->add_bos());
  ChatPrompt with_bos = ChatPrompt::FromSource(
      "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}", "a", *tok_, Collect());
  ChatPrompt without_bos = ChatPrompt::FromSource(
      "{% for m in messages %}{{ m.content }}{% endfor %}", "b", *tok_, Collect());
  auto a = with_bos.Tokens(Hello(), "");
  auto b = without_bos.Tokens(Hello(), "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  ASSERT_GE(a->size(), 2u);
  EXPECT_EQ((*a)[0], tok_->bos());
  EXPECT_NE((*a)[1], tok_->bos());
}

TEST_F(ChatPromptTest, ATemplateThatRaisesIsAnErrorNotAFallback) {
  ChatPrompt prompt =
      ChatPrompt::FromSource("{{ raise_exception('no users here') }}", "m.gguf", *tok_, Collect());
  EXPECT_TRUE(warnings_.empty());
  auto tokens = prompt.Tokens(Hello(), "");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tokens.status().message().find("no users here"), std::string::npos);
}

}  // namespace
}  // namespace citadel::runtime
