// Request validation: every malformed body gets a 400 naming its parameter;
// valid bodies become typed requests.
#include "server/chat_request.h"

#include <gtest/gtest.h>

namespace citadel::server {
namespace {

std::optional<ApiError> Chat(const std::string& body) {
  ChatRequest request;
  return ParseChatRequest(body, request);
}

const char* kMessages = R"("messages":[{"role":"user","content":"hi"}])";

std::string WithField(const std::string& field) {
  return std::string(R"({"model":"m",)") + kMessages + "," + field + "}";
}

TEST(ChatRequestTest, ParsesAFullRequest) {
  ChatRequest r;
  auto error = ParseChatRequest(R"({
    "model": "m", "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"x\":1}"}}]},
      {"role": "tool", "content": "42", "tool_call_id": "c1"},
      {"role": "developer", "content": "dev"}],
    "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": 40, "min_p": 0.1,
    "stop": ["END", "\n\n"], "seed": 42, "n": 2, "presence_penalty": 0.5,
    "frequency_penalty": -0.5, "logit_bias": {"17": -100, "3": 2.5}, "logprobs": true,
    "top_logprobs": 3, "user": "u1", "stream": true, "stream_options": {"include_usage": true},
    "some_future_field": {"ignored": true}})",
                                r);
  ASSERT_FALSE(error) << error->Body();
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.messages[1].content, "a\nb");
  ASSERT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments, "{\"x\":1}");
  EXPECT_EQ(r.messages[3].tool_call_id, "c1");
  const GenerationRequest& g = r.generation;
  EXPECT_EQ(g.stop.max_tokens, 7);
  EXPECT_FLOAT_EQ(g.sampling.temperature, 0.5f);
  EXPECT_EQ(g.sampling.top_k, 40);
  EXPECT_EQ(g.stop.stop_strings, (std::vector<std::string>{"END", "\n\n"}));
  EXPECT_TRUE(g.seed_given);
  EXPECT_EQ(g.sampling.seed, 42u);
  EXPECT_EQ(g.n, 2);
  EXPECT_EQ(g.sampling.logit_bias.size(), 2u);
  EXPECT_TRUE(g.logprobs);
  EXPECT_EQ(g.sampling.top_logprobs, 3);
  EXPECT_TRUE(g.stream);
  EXPECT_TRUE(g.include_usage);
}

TEST(ChatRequestTest, StopMayBeAString) {
  ChatRequest r;
  ASSERT_FALSE(ParseChatRequest(WithField(R"("stop":"x","max_tokens":3)"), r));
  EXPECT_EQ(r.generation.stop.stop_strings, std::vector<std::string>{"x"});
  EXPECT_EQ(r.generation.stop.max_tokens, 3);
}

TEST(ChatRequestTest, NullFieldsMeanAbsent) {
  ChatRequest r;
  ASSERT_FALSE(ParseChatRequest(WithField(R"("temperature":null,"stop":null,"seed":null)"), r));
  EXPECT_FLOAT_EQ(r.generation.sampling.temperature, 1.0f);
  EXPECT_FALSE(r.generation.seed_given);
}

struct BadCase {
  std::string body;
  std::string param;
};

TEST(ChatRequestTest, EveryMalformedBodyIs400NamingTheParameter) {
  const std::vector<BadCase> cases = {
      {"{not json", ""},
      {"[1,2]", ""},
      {R"({"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m"})", "messages"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m","messages":"hi"})", "messages"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})",
       "messages[0].content"},
      {R"({"model":"m","messages":[3]})", "messages[0]"},
      {R"({"model":7,"messages":[{"role":"user","content":"x"}]})", "model"},
      {WithField(R"("temperature":"hot")"), "temperature"},
      {WithField(R"("temperature":2.5)"), "temperature"},
      {WithField(R"("temperature":-1)"), "temperature"},
      {WithField(R"("top_p":0)"), "top_p"},
      {WithField(R"("top_p":1.5)"), "top_p"},
      {WithField(R"("top_k":-5)"), "top_k"},
      {WithField(R"("min_p":2)"), "min_p"},
      {WithField(R"("max_tokens":0)"), "max_tokens"},
      {WithField(R"("max_tokens":1.5)"), "max_tokens"},
      {WithField(R"("max_completion_tokens":"10")"), "max_completion_tokens"},
      {WithField(R"("n":0)"), "n"},
      {WithField(R"("n":100)"), "n"},
      {WithField(R"("presence_penalty":3)"), "presence_penalty"},
      {WithField(R"("frequency_penalty":-3)"), "frequency_penalty"},
      {WithField(R"("stop":5)"), "stop"},
      {WithField(R"("stop":["a",1])"), "stop"},
      {WithField(R"("seed":"x")"), "seed"},
      {WithField(R"("stream":"yes")"), "stream"},
      {WithField(R"("stream_options":{"include_usage":1})"), "stream_options.include_usage"},
      {WithField(R"("logit_bias":{"abc":1})"), "logit_bias"},
      {WithField(R"("logit_bias":{"5":500})"), "logit_bias"},
      {WithField(R"("logit_bias":[1])"), "logit_bias"},
      {WithField(R"("logprobs":"true")"), "logprobs"},
      {WithField(R"("top_logprobs":3)"), "top_logprobs"},  // without logprobs
      {WithField(R"("logprobs":true,"top_logprobs":21)"), "top_logprobs"},
      {WithField(R"("user":5)"), "user"},
      {WithField(R"("tools":{})"), "tools"},
  };
  for (const BadCase& c : cases) {
    auto error = Chat(c.body);
    ASSERT_TRUE(error) << "accepted: " << c.body;
    EXPECT_EQ(error->http_status, 400) << c.body;
    EXPECT_EQ(error->type, "invalid_request_error") << c.body;
    EXPECT_EQ(error->param, c.param) << c.body << " -> " << error->message;
    EXPECT_FALSE(error->message.empty());
  }
}

TEST(CompletionRequestTest, PromptShapes) {
  CompletionRequest text;
  ASSERT_FALSE(ParseCompletionRequest(R"({"model":"m","prompt":"hello","logprobs":2})", text));
  EXPECT_EQ(text.text_prompts, std::vector<std::string>{"hello"});
  EXPECT_TRUE(text.generation.logprobs);
  EXPECT_EQ(text.generation.sampling.top_logprobs, 2);
  CompletionRequest many;
  ASSERT_FALSE(ParseCompletionRequest(R"({"model":"m","prompt":["a","b"]})", many));
  EXPECT_EQ(many.text_prompts.size(), 2u);
  CompletionRequest ids;
  ASSERT_FALSE(ParseCompletionRequest(R"({"model":"m","prompt":[1,2,3]})", ids));
  EXPECT_EQ(ids.token_prompts, (std::vector<std::vector<std::int32_t>>{{1, 2, 3}}));
  CompletionRequest nested;
  ASSERT_FALSE(ParseCompletionRequest(R"({"model":"m","prompt":[[1],[2,3]]})", nested));
  EXPECT_EQ(nested.token_prompts.size(), 2u);
}

TEST(CompletionRequestTest, BadPromptsAre400) {
  for (const char* body :
       {R"({"model":"m"})", R"({"model":"m","prompt":5})", R"({"model":"m","prompt":[]})",
        R"({"model":"m","prompt":["a",1]})", R"({"model":"m","prompt":[1,-2]})",
        R"({"model":"m","prompt":[[]]})", R"({"model":"m","prompt":"x","logprobs":6})"}) {
    CompletionRequest r;
    auto error = ParseCompletionRequest(body, r);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->http_status, 400) << body;
  }
}

TEST(TokenizeRequestTest, PromptOrMessages) {
  TokenizeRequest a;
  ASSERT_FALSE(ParseTokenizeRequest(R"({"prompt":"hi","add_special_tokens":false})", a));
  EXPECT_EQ(a.prompt, "hi");
  EXPECT_FALSE(a.add_special);
  TokenizeRequest b;
  ASSERT_FALSE(
      ParseTokenizeRequest(R"({"model":"m","messages":[{"role":"user","content":"x"}]})", b));
  EXPECT_TRUE(b.use_messages);
  TokenizeRequest c;
  EXPECT_TRUE(ParseTokenizeRequest(R"({"model":"m"})", c));
  DetokenizeRequest d;
  ASSERT_FALSE(ParseDetokenizeRequest(R"({"tokens":[1,2]})", d));
  EXPECT_EQ(d.tokens.size(), 2u);
  DetokenizeRequest e;
  EXPECT_TRUE(ParseDetokenizeRequest(R"({"tokens":["a"]})", e));
}

}  // namespace
}  // namespace citadel::server
