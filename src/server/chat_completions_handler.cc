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
  ApiResult<ServedModel*> resolved = ResolveModel(state, request.context, chat.generation.model);
  if (!resolved.ok()) {
    result.response = ErrorResponse(resolved.error());
    return result;
  }
  ServedModel* model = *resolved;
  if (auto error = CheckLogitBias(*model, chat.generation)) {
    result.response = ErrorResponse(*error);
    return result;
  }
  // "developer" is OpenAI's newer name for system instructions; chat
  // templates know only "system".
  for (runtime::ChatMessage& message : chat.messages) {
    if (message.role == "developer") message.role = "system";
  }
  // Content policy on the prompt (DLP, lexicon), before the template sees it.
  if (state.policy) {
    std::vector<std::string*> texts;
    for (runtime::ChatMessage& message : chat.messages) texts.push_back(&message.content);
    if (auto refusal = state.policy->CheckPrompt(texts)) {
      result.response = ErrorResponse(BadRequest(refusal->message, "messages", refusal->code));
      return result;
    }
  }
  auto tokens = model->prompt.Tokens(chat.messages, chat.tools_json);
  if (!tokens.ok()) {
    result.response = ErrorResponse(FromStatus(tokens.status(), "messages"));
    return result;
  }
  std::vector<std::int32_t> prompt = std::move(tokens).value();
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
  auto job = GenerationJob::Start(*model, chat.generation, NewResponseMeta(ApiKind::kChat, *model),
                                  std::move(plans), state.policy.get());
  if (job.ok()) {
    result.job = std::move(job).value();
  } else {
    result.response = ErrorResponse(FromStatus(job.status(), "messages"));
  }
  return result;
}

}  // namespace citadel::server
