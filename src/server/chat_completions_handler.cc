// POST /v1/chat/completions: validate, render the chat template, tokenize,
// and start a GenerationJob with n choices.
#include "server/handlers.h"

namespace citadel::server {

RouteResult HandleChatCompletions(ServerState& state, const HttpRequest& request) {
  RouteResult result;
  ChatRequest chat;
  if (auto error = ParseChatRequest(request.body, chat)) {
    result.response = ErrorResponse(*error);
    return result;
  }
  result.model = chat.generation.model;
  std::optional<ApiError> error;
  ServedModel* model = ResolveModel(state, chat.generation.model, error);
  if (model == nullptr) {
    result.response = ErrorResponse(*error);
    return result;
  }
  // "developer" is OpenAI's newer name for system instructions; chat
  // templates know only "system".
  for (tmpl::ChatMessage& message : chat.messages) {
    if (message.role == "developer") message.role = "system";
  }
  auto prompt_text = RenderChat(*model, chat.messages, chat.tools_json);
  if (!prompt_text.ok()) {
    result.response = ErrorResponse(prompt_text.status().code() == StatusCode::kInvalidArgument
                                        ? BadRequest(prompt_text.status().message(), "messages")
                                        : FromStatus(prompt_text.status(), "messages"));
    return result;
  }
  std::vector<std::int32_t> prompt = EncodePrompt(*model, *prompt_text);
  if (prompt.empty()) {
    result.response =
        ErrorResponse(BadRequest("The messages render to an empty prompt", "messages"));
    return result;
  }
  std::vector<ChoicePlan> plans;
  const std::uint64_t base_seed = chat.generation.seed_given ? chat.generation.sampling.seed : 0;
  for (int i = 0; i < chat.generation.n; ++i) {
    const std::uint64_t seed = chat.generation.seed_given ? base_seed + i : FreshSeed();
    plans.push_back({prompt, seed, ""});
  }
  result.job = GenerationJob::Start(
      *model, chat.generation, NewResponseMeta(ApiKind::kChat, *model), std::move(plans), error);
  if (!result.job) result.response = ErrorResponse(*error);
  return result;
}

}  // namespace citadel::server
