// The exact OpenAI response shapes, rendered from plain structs to JSON text:
// chat.completion, chat.completion.chunk, text_completion (and its chunks),
// model and list objects, usage with prompt_tokens_details.cached_tokens.
//
// Text that is not valid UTF-8 (a token piece ending mid-character) is
// rendered with U+FFFD, never an exception. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace citadel::server {

enum class ApiKind { kChat, kCompletion };

// What every response and chunk of one request repeats.
struct ResponseMeta {
  ApiKind kind = ApiKind::kChat;
  std::string id;  // "chatcmpl-..." or "cmpl-..."
  std::int64_t created = 0;
  std::string model;
  std::string system_fingerprint;
};

struct TokenLogprobInfo {
  std::string token;  // the token's text (raw bytes)
  float logprob = 0;
  std::vector<std::pair<std::string, float>> top;  // most likely first
};

struct UsageInfo {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;
};

// One finished choice (non-streaming bodies).
struct ChoiceResult {
  int index = 0;
  std::string text;
  std::string finish_reason;  // "stop" or "length"
  bool has_logprobs = false;
  std::vector<TokenLogprobInfo> logprobs;
};

// One streamed piece of one choice.
struct ChunkDelta {
  int index = 0;
  bool first = false;  // chat: carries role "assistant"
  std::string text;
  bool has_logprobs = false;
  std::vector<TokenLogprobInfo> logprobs;
  std::string finish_reason;  // "" renders null
};

struct ModelInfo {
  std::string id;
  std::int64_t created = 0;
  std::string owned_by = "citadel";
};

// Builds a "chatcmpl-<24 hex>" / "cmpl-<24 hex>" id from `random_bits`.
std::string MakeResponseId(ApiKind kind, std::uint64_t random_high, std::uint64_t random_low);

std::string CompletionBodyJson(const ResponseMeta& meta, std::span<const ChoiceResult> choices,
                               const UsageInfo& usage);
// `usage_null`: include "usage": null (stream_options.include_usage set).
std::string ChunkJson(const ResponseMeta& meta, const ChunkDelta& delta, bool usage_null);
// The last chunk before [DONE] when include_usage is set: empty choices.
std::string UsageChunkJson(const ResponseMeta& meta, const UsageInfo& usage);

std::string ModelJson(const ModelInfo& model);
std::string ModelListJson(std::span<const ModelInfo> models);

// Server-sent events: "data: <payload>\n\n", and the terminating "data: [DONE]\n\n".
std::string SseData(std::string_view payload);
std::string SseDone();

}  // namespace citadel::server
