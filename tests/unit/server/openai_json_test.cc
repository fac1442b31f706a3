// The response shapes OpenAI clients parse: ids, objects, usage details,
// chunk deltas, logprobs, errors, models.
#include "server/openai_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace citadel::server {
namespace {

using Json = nlohmann::json;

ResponseMeta Meta(ApiKind kind) {
  return {kind, MakeResponseId(kind, 1, 2), 1700000000, "tiny", "fp_0123456789"};
}

TEST(OpenAiJsonTest, ResponseIdsHaveTheOpenAiPrefixes) {
  EXPECT_EQ(MakeResponseId(ApiKind::kChat, 0xab, 0xcd).rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(MakeResponseId(ApiKind::kCompletion, 0xab, 0xcd).rfind("cmpl-", 0), 0u);
  EXPECT_NE(MakeResponseId(ApiKind::kChat, 1, 2), MakeResponseId(ApiKind::kChat, 1, 3));
}

TEST(OpenAiJsonTest, ChatCompletionBody) {
  ChoiceResult choice{0, "Hello", "stop", true, {{"Hel", -0.5f, {{"Hel", -0.5f}, {"H", -1.5f}}}}};
  const Json body = Json::parse(CompletionBodyJson(Meta(ApiKind::kChat), {&choice, 1}, {10, 2, 4}));
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1700000000);
  EXPECT_EQ(body["model"], "tiny");
  EXPECT_EQ(body["system_fingerprint"], "fp_0123456789");
  const Json& c = body["choices"][0];
  EXPECT_EQ(c["index"], 0);
  EXPECT_EQ(c["message"]["role"], "assistant");
  EXPECT_EQ(c["message"]["content"], "Hello");
  EXPECT_EQ(c["finish_reason"], "stop");
  const Json& lp = c["logprobs"]["content"][0];
  EXPECT_EQ(lp["token"], "Hel");
  EXPECT_DOUBLE_EQ(lp["logprob"].get<double>(), -0.5);
  EXPECT_EQ(lp["bytes"], Json::array({72, 101, 108}));
  EXPECT_EQ(lp["top_logprobs"].size(), 2u);
  EXPECT_EQ(body["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(body["usage"]["completion_tokens"], 2);
  EXPECT_EQ(body["usage"]["total_tokens"], 12);
  EXPECT_EQ(body["usage"]["prompt_tokens_details"]["cached_tokens"], 4);
}

TEST(OpenAiJsonTest, TextCompletionBodyUsesLegacyLogprobs) {
  ChoiceResult choice{0, "ab", "length", true, {{"a", -1, {{"a", -1}}}, {"b", -2, {}}}};
  const Json body =
      Json::parse(CompletionBodyJson(Meta(ApiKind::kCompletion), {&choice, 1}, {1, 2, 0}));
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["text"], "ab");
  const Json& lp = body["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"], Json::array({"a", "b"}));
  EXPECT_EQ(lp["text_offset"], Json::array({0, 1}));
  EXPECT_DOUBLE_EQ(lp["top_logprobs"][0]["a"].get<double>(), -1.0);
}

TEST(OpenAiJsonTest, ChatChunks) {
  ChunkDelta first;
  first.first = true;
  Json chunk = Json::parse(ChunkJson(Meta(ApiKind::kChat), first, true));
  EXPECT_EQ(chunk["object"], "chat.completion.chunk");
  EXPECT_EQ(chunk["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(chunk["choices"][0]["delta"]["content"], "");
  EXPECT_TRUE(chunk["choices"][0]["finish_reason"].is_null());
  EXPECT_TRUE(chunk.contains("usage") && chunk["usage"].is_null());
  ChunkDelta last;
  last.finish_reason = "length";
  chunk = Json::parse(ChunkJson(Meta(ApiKind::kChat), last, false));
  EXPECT_TRUE(chunk["choices"][0]["delta"].empty());
  EXPECT_EQ(chunk["choices"][0]["finish_reason"], "length");
  EXPECT_FALSE(chunk.contains("usage"));
  chunk = Json::parse(UsageChunkJson(Meta(ApiKind::kChat), {3, 4, 0}));
  EXPECT_TRUE(chunk["choices"].empty());
  EXPECT_EQ(chunk["usage"]["total_tokens"], 7);
}

TEST(OpenAiJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  ChunkDelta delta;
  delta.text = "a\xE2\x82";  // truncated euro sign
  const Json chunk = Json::parse(ChunkJson(Meta(ApiKind::kChat), delta, false));
  EXPECT_EQ(chunk["choices"][0]["delta"]["content"].get<std::string>().substr(0, 1), "a");
}

TEST(OpenAiJsonTest, SseFrames) {
  EXPECT_EQ(SseData("{}"), "data: {}\n\n");
  EXPECT_EQ(SseDone(), "data: [DONE]\n\n");
}

TEST(OpenAiJsonTest, Models) {
  std::vector<ModelInfo> models = {{"a", 1, "citadel"}, {"b", 2, "citadel"}};
  const Json list = Json::parse(ModelListJson(models));
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 2u);
  EXPECT_EQ(list["data"][1]["id"], "b");
  EXPECT_EQ(list["data"][1]["object"], "model");
  EXPECT_EQ(list["data"][1]["owned_by"], "citadel");
}

TEST(ApiErrorTest, BodyHasTheOpenAiShape) {
  const Json body = Json::parse(BadRequest("bad temperature", "temperature").Body());
  EXPECT_EQ(body["error"]["message"], "bad temperature");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["param"], "temperature");
  EXPECT_EQ(body["error"]["code"], "invalid_value");
  const Json none = Json::parse(RouteNotFound("GET", "/x").Body());
  EXPECT_TRUE(none["error"]["param"].is_null());
}

TEST(ApiErrorTest, StatusMapping) {
  EXPECT_EQ(FromStatus(InvalidArgumentError("x"), "prompt").http_status, 400);
  EXPECT_EQ(FromStatus(InvalidArgumentError("x"), "prompt").param, "prompt");
  // The class comes from the code, never from the message's words.
  const ApiError full = FromStatus(ResourceExhaustedError("the engine is shutting down"));
  EXPECT_EQ(full.http_status, 429);
  EXPECT_EQ(full.type, "rate_limit_error");
  EXPECT_EQ(full.code, "queue_full");
  EXPECT_GT(full.retry_after_s, 0);
  const ApiError stopping = FromStatus(UnavailableError("overloaded: 256 waiting"), "prompt");
  EXPECT_EQ(stopping.http_status, 503);
  EXPECT_EQ(stopping.type, "service_unavailable");
  EXPECT_EQ(stopping.param, "");
  EXPECT_GT(stopping.retry_after_s, 0);
  EXPECT_EQ(FromStatus(NotFoundError("x")).http_status, 404);
  EXPECT_EQ(FromStatus(UnauthenticatedError("x")).http_status, 401);
  EXPECT_EQ(FromStatus(PermissionDeniedError("x")).http_status, 403);
  EXPECT_EQ(FromStatus(CancelledError("x")).code, "cancelled");
  EXPECT_EQ(FromStatus(DeadlineExceededError("x")).http_status, 504);
  EXPECT_EQ(FromStatus(InternalError("x")).http_status, 500);
  EXPECT_EQ(FromStatus(DataLossError("x")).type, "server_error");
  EXPECT_EQ(PayloadTooLarge(10).http_status, 413);
  EXPECT_EQ(MethodNotAllowed("PUT", "/v1/models").http_status, 405);
  EXPECT_EQ(ModelNotFound("m").http_status, 404);
  EXPECT_EQ(ModelNotFound("m").code, "model_not_found");
}

}  // namespace
}  // namespace citadel::server
