// Request parsing and validation at the edge: the JSON bodies of
// /v1/chat/completions and /v1/completions become plain typed structs, or a
// 400 ApiError naming the offending parameter. Nothing past this file sees
// the request JSON.
//
// Checked here (each a 400): malformed JSON, a body that is not an object, a
// missing or mistyped field, an out-of-range value (temperature 0..2, top_p
// (0, 1], min_p 0..1, top_k >= 0, penalties -2..2, n 1..8, max_tokens >= 1,
// top_logprobs 0..20, logit_bias -100..100 with integer token keys, at most
// 16 stop strings), an unknown role, empty messages, unsupported content
// parts. Unknown fields are ignored, as OpenAI's own clients send extras.
// Token-range checks that need the model (logit_bias ids) happen later.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/request.h"
#include "engine/sampler.h"
#include "server/api_error.h"
#include "runtime/chat_prompt.h"

namespace citadel::server {

// What both endpoints share.
struct GenerationRequest {
  std::string model;
  engine::SamplingParams sampling;
  engine::StopConditions stop;
  int n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool logprobs = false;       // chat: logprobs; completions: logprobs != null
  bool seed_given = false;
  std::string user;
};

struct ChatRequest {
  GenerationRequest generation;
  std::vector<runtime::ChatMessage> messages;
  std::string tools_json;  // the "tools" array as JSON text, or empty
};

struct CompletionRequest {
  GenerationRequest generation;
  // One entry per prompt: text, or token ids when the prompt was given as ids.
  std::vector<std::string> text_prompts;
  std::vector<std::vector<std::int32_t>> token_prompts;
  bool echo = false;
};

// Fill `out` from `body`; the error when the body is invalid.
std::optional<ApiError> ParseChatRequest(std::string_view body, ChatRequest& out);
std::optional<ApiError> ParseCompletionRequest(std::string_view body, CompletionRequest& out);

// POST /tokenize {"model", "prompt" | "messages", "add_special_tokens"} and
// POST /detokenize {"model", "tokens"}.
struct TokenizeRequest {
  std::string model;
  std::string prompt;
  std::vector<runtime::ChatMessage> messages;  // used when prompt is absent
  bool use_messages = false;
  bool add_special = true;
};
struct DetokenizeRequest {
  std::string model;
  std::vector<std::int32_t> tokens;
};
std::optional<ApiError> ParseTokenizeRequest(std::string_view body, TokenizeRequest& out);
std::optional<ApiError> ParseDetokenizeRequest(std::string_view body, DetokenizeRequest& out);

}  // namespace citadel::server
