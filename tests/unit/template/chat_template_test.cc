// ChatTemplate: what the server and CLI rely on when they turn a conversation
// into a prompt.
#include "template/chat_template.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace citadel::tmpl {
namespace {

ChatMessage Msg(std::string role, std::string content) {
  ChatMessage m;
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

std::string RenderOk(const ChatTemplate& tmpl, const std::vector<ChatMessage>& messages,
                     const ChatTemplateOptions& options = {}) {
  auto out = tmpl.Render(messages, options);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "<error>";
}

TEST(ChatTemplateTest, ChatMlFallback) {
  ChatTemplate chatml = ChatTemplate::ChatMl();
  std::vector<ChatMessage> messages = {Msg("system", "Be brief."), Msg("user", "Hi")};
  EXPECT_EQ(RenderOk(chatml, messages),
            "<|im_start|>system\nBe "
            "brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  ChatTemplateOptions options;
  options.add_generation_prompt = false;
  EXPECT_EQ(RenderOk(chatml, messages, options),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplateTest, BosEosAndGenerationPromptReachTheTemplate) {
  auto tmpl = ChatTemplate::Parse(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor "
      "%}"
      "{% if add_generation_prompt is defined and add_generation_prompt %}[assistant]{% endif %}");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().ToString();
  ChatTemplateOptions options;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "Hi")}, options), "<s>[user]Hi</s>[assistant]");
  options.add_generation_prompt = false;
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "Hi")}, options), "<s>[user]Hi</s>");
}

TEST(ChatTemplateTest, SystemMessageFoldsIntoTheUserTurnWhenTheTemplateRefusesIt) {
  // Gemma 2 style: raises on a system message.
  auto tmpl = ChatTemplate::Parse(
      "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') "
      "}}{% endif %}"
      "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_FALSE(tmpl->supports_system_role());
  EXPECT_EQ(RenderOk(*tmpl, {Msg("system", "Be kind."), Msg("user", "Hi")}),
            "<user>Be kind.\nHi</user>");
  auto chatml = ChatTemplate::ChatMl();
  EXPECT_TRUE(chatml.supports_system_role());
}

TEST(ChatTemplateTest, DeveloperRoleIsRenderedAsSystem) {
  ChatTemplateOptions options;
  options.add_generation_prompt = false;
  EXPECT_EQ(RenderOk(ChatTemplate::ChatMl(), {Msg("developer", "Rules")}, options),
            "<|im_start|>system\nRules<|im_end|>\n");
}

TEST(ChatTemplateTest, ToolsAreExposedOnlyWhenGiven) {
  auto tmpl = ChatTemplate::Parse(
      "{% if tools is defined %}{% for t in tools %}{{ t.function.name }};{% endfor %}{% else "
      "%}none{% endif %}");
  ASSERT_TRUE(tmpl.ok());
  ChatTemplateOptions options;
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "x")}, options), "none");
  options.tools_json = "[]";
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "x")}, options), "none");
  options.tools_json = R"([{"type":"function","function":{"name":"get_weather"}}])";
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "x")}, options), "get_weather;");
  options.tools_json = "[{";
  auto bad = tmpl->Render(std::vector<ChatMessage>{Msg("user", "x")}, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("tools"), std::string::npos);
}

ChatMessage ToolCallMessage(std::string arguments) {
  ChatMessage m = Msg("assistant", "");
  m.tool_calls.push_back({"call_1", "get_weather", std::move(arguments)});
  return m;
}

TEST(ChatTemplateTest, ToolCallArgumentsStayJsonTextForTemplatesThatPrintThem) {
  auto tmpl = ChatTemplate::Parse(
      "{% for m in messages %}{% for c in m.tool_calls %}{{ c.id }}:{{ c.function.name }}({{ "
      "c.function.arguments }})"
      "{% endfor %}{% endfor %}");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_EQ(RenderOk(*tmpl, {ToolCallMessage(R"({"city": "Paris"})")}),
            R"(call_1:get_weather({"city": "Paris"}))");
}

TEST(ChatTemplateTest, ToolCallArgumentsBecomeADictForTemplatesThatIterateThem) {
  auto tmpl = ChatTemplate::Parse(
      "{% for m in messages %}{% for c in m.tool_calls %}{% for k, v in "
      "c.function.arguments.items() %}"
      "{{ k }}={{ v }};{% endfor %}{% endfor %}{% endfor %}");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_EQ(RenderOk(*tmpl, {ToolCallMessage(R"({"city": "Paris", "days": 3})")}),
            "city=Paris;days=3;");
  auto bad = tmpl->Render(std::vector<ChatMessage>{ToolCallMessage("{not json")}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(ChatTemplateTest, ToolMessagesCarryTheirCallId) {
  auto tmpl = ChatTemplate::Parse(
      "{% for m in messages %}{{ m.role }}:{{ m.tool_call_id }}:{{ m.content }}{% endfor %}");
  ASSERT_TRUE(tmpl.ok());
  ChatMessage tool = Msg("tool", "18C");
  tool.tool_call_id = "call_1";
  EXPECT_EQ(RenderOk(*tmpl, {tool}), "tool:call_1:18C");
}

TEST(ChatTemplateTest, DatesComeFromTheInjectedClock) {
  setenv("TZ", "UTC", 1);
  tzset();
  auto tmpl = ChatTemplate::Parse("{{ date_string }}|{{ strftime_now('%d %b %Y') }}");
  ASSERT_TRUE(tmpl.ok());
  ChatTemplateOptions options;
  options.now_unix_seconds = 1721952000;  // 2024-07-26 00:00 UTC
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "x")}, options), "26 Jul 2024|26 Jul 2024");
}

TEST(ChatTemplateTest, EnableThinkingReachesReasoningTemplates) {
  auto tmpl = ChatTemplate::Parse(
      "{% if enable_thinking is defined and enable_thinking is false %}<think></think>{% else "
      "%}<think>{% endif %}");
  ASSERT_TRUE(tmpl.ok());
  ChatTemplateOptions options;
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "x")}, options), "<think>");
  options.enable_thinking = false;
  EXPECT_EQ(RenderOk(*tmpl, {Msg("user", "x")}, options), "<think></think>");
}

TEST(ChatTemplateTest, ParseErrorsNameLineAndColumn) {
  auto tmpl = ChatTemplate::Parse("{% for m in messages %}\n{{ m.content }\n{% endfor %}");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tmpl.status().message().find("line 2"), std::string::npos) << tmpl.status().message();
}

TEST(ChatTemplateTest, RaisedExceptionsAreErrors) {
  auto tmpl = ChatTemplate::Parse(
      "{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}"
      "{{ raise_exception('Conversation roles must be user or assistant') }}{% endif %}{% endfor "
      "%}");
  ASSERT_TRUE(tmpl.ok());
  auto out = tmpl->Render(std::vector<ChatMessage>{Msg("user", "a"), Msg("tool", "b")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Conversation roles must be user or assistant"),
            std::string::npos);
}

TEST(ChatTemplateTest, ConcurrentRendersOfOneTemplateAgree) {
  auto tmpl = ChatTemplate::Parse(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ m.content "
      "}}{% endfor %}"
      "{{ ns.n }}");
  ASSERT_TRUE(tmpl.ok());
  std::vector<ChatMessage> messages = {Msg("user", "a"), Msg("assistant", "b"), Msg("user", "c")};
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        auto out = tmpl->Render(messages, {});
        results[i] = out.ok() ? *out : out.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, "abc3");
}

}  // namespace
}  // namespace citadel::tmpl
