#include "server/openai_json.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace citadel::server {
namespace {

using Json = nlohmann::json;

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A JSON number for a log-probability (-inf, which JSON cannot hold, as -9999).
double SafeLogprob(float logprob) {
  return std::isfinite(logprob) ? static_cast<double>(logprob) : -9999.0;
}

// Valid UTF-8 for a token string: invalid bytes become U+FFFD (via a dump
// with the replace handler and a parse back).
std::string ValidText(const std::string& text) {
  return Json::parse(Dump(Json(text))).get<std::string>();
}

Json Bytes(const std::string& text) {
  Json bytes = Json::array();
  for (unsigned char c : text) bytes.push_back(static_cast<int>(c));
  return bytes;
}

Json ChatLogprobs(const std::vector<TokenLogprobInfo>& entries) {
  Json content = Json::array();
  for (const TokenLogprobInfo& e : entries) {
    Json top = Json::array();
    for (const auto& [token, logprob] : e.top) {
      top.push_back({{"token", ValidText(token)},
                     {"logprob", SafeLogprob(logprob)},
                     {"bytes", Bytes(token)}});
    }
    content.push_back({{"token", ValidText(e.token)},
                       {"logprob", SafeLogprob(e.logprob)},
                       {"bytes", Bytes(e.token)},
                       {"top_logprobs", top}});
  }
  return {{"content", content}, {"refusal", nullptr}};
}

// The legacy completions shape; text_offset counts bytes from `offset`.
Json TextLogprobs(const std::vector<TokenLogprobInfo>& entries, size_t offset) {
  Json tokens = Json::array(), token_logprobs = Json::array(), top = Json::array(),
       offsets = Json::array();
  for (const TokenLogprobInfo& e : entries) {
    tokens.push_back(ValidText(e.token));
    token_logprobs.push_back(SafeLogprob(e.logprob));
    Json alternatives = Json::object();
    for (const auto& [token, logprob] : e.top)
      alternatives[ValidText(token)] = SafeLogprob(logprob);
    top.push_back(alternatives);
    offsets.push_back(offset);
    offset += e.token.size();
  }
  return {{"tokens", tokens},
          {"token_logprobs", token_logprobs},
          {"top_logprobs", top},
          {"text_offset", offsets}};
}

Json UsageJson(const UsageInfo& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", usage.cached_tokens}}},
          {"completion_tokens_details", {{"reasoning_tokens", 0}}}};
}

Json Envelope(const ResponseMeta& meta, bool chunk) {
  const char* object = meta.kind == ApiKind::kChat
                           ? (chunk ? "chat.completion.chunk" : "chat.completion")
                           : "text_completion";
  return {{"id", meta.id},
          {"object", object},
          {"created", meta.created},
          {"model", meta.model},
          {"system_fingerprint", meta.system_fingerprint}};
}

Json NullIfEmpty(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

}  // namespace

std::string MakeResponseId(ApiKind kind, std::uint64_t random_high, std::uint64_t random_low) {
  char hex[40];
  std::snprintf(hex, sizeof(hex), "%08llx%016llx",
                static_cast<unsigned long long>(random_high & 0xffffffffULL),
                static_cast<unsigned long long>(random_low));
  return std::string(kind == ApiKind::kChat ? "chatcmpl-" : "cmpl-") + hex;
}

std::string CompletionBodyJson(const ResponseMeta& meta, std::span<const ChoiceResult> choices,
                               const UsageInfo& usage) {
  Json body = Envelope(meta, false);
  Json list = Json::array();
  for (const ChoiceResult& c : choices) {
    Json choice = {{"index", c.index}, {"finish_reason", c.finish_reason}};
    if (meta.kind == ApiKind::kChat) {
      choice["message"] = {{"role", "assistant"}, {"content", c.text}, {"refusal", nullptr}};
      choice["logprobs"] = c.has_logprobs ? ChatLogprobs(c.logprobs) : Json(nullptr);
    } else {
      choice["text"] = c.text;
      choice["logprobs"] = c.has_logprobs ? TextLogprobs(c.logprobs, 0) : Json(nullptr);
    }
    list.push_back(std::move(choice));
  }
  body["choices"] = std::move(list);
  body["usage"] = UsageJson(usage);
  return Dump(body);
}

std::string ChunkJson(const ResponseMeta& meta, const ChunkDelta& delta, bool usage_null) {
  Json chunk = Envelope(meta, true);
  Json choice = {{"index", delta.index}, {"finish_reason", NullIfEmpty(delta.finish_reason)}};
  if (meta.kind == ApiKind::kChat) {
    Json d = Json::object();
    if (delta.first) d["role"] = "assistant";
    if (delta.first || !delta.text.empty()) d["content"] = delta.text;
    choice["delta"] = std::move(d);
    choice["logprobs"] = delta.has_logprobs ? ChatLogprobs(delta.logprobs) : Json(nullptr);
  } else {
    choice["text"] = delta.text;
    choice["logprobs"] = delta.has_logprobs ? TextLogprobs(delta.logprobs, 0) : Json(nullptr);
  }
  chunk["choices"] = Json::array({std::move(choice)});
  if (usage_null) chunk["usage"] = nullptr;
  return Dump(chunk);
}

std::string UsageChunkJson(const ResponseMeta& meta, const UsageInfo& usage) {
  Json chunk = Envelope(meta, true);
  chunk["choices"] = Json::array();
  chunk["usage"] = UsageJson(usage);
  return Dump(chunk);
}

std::string ModelJson(const ModelInfo& model) {
  return Dump({{"id", model.id},
               {"object", "model"},
               {"created", model.created},
               {"owned_by", model.owned_by}});
}

std::string ModelListJson(std::span<const ModelInfo> models) {
  Json data = Json::array();
  for (const ModelInfo& m : models) data.push_back(Json::parse(ModelJson(m)));
  return Dump({{"object", "list"}, {"data", data}});
}

std::string SseData(std::string_view payload) {
  std::string frame = "data: ";
  frame += payload;
  frame += "\n\n";
  return frame;
}

std::string SseDone() {
  return "data: [DONE]\n\n";
}

}  // namespace citadel::server
