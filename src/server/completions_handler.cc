// POST /v1/completions: the legacy text completion endpoint. Each prompt
// (text or token ids) gets n choices, indexed prompt-major.
#include "server/handlers.h"

namespace citadel::server {

RouteResult HandleCompletions(ServerState& state, const HttpRequest& request) {
  RouteResult result;
  CompletionRequest completion;
  if (auto error = ParseCompletionRequest(request.body, completion)) {
    result.response = ErrorResponse(*error);
    return result;
  }
  const GenerationRequest& g = completion.generation;
  result.model = g.model;
  std::optional<ApiError> error;
  ServedModel* model = ResolveModel(state, g.model, error);
  if (model == nullptr) {
    result.response = ErrorResponse(*error);
    return result;
  }
  const tokenizer::Tokenizer& tok = *model->tokenizer;
  std::vector<std::vector<std::int32_t>> prompts;
  std::vector<std::string> texts;
  for (const std::string& text : completion.text_prompts) {
    prompts.push_back(EncodePrompt(*model, text));
    texts.push_back(text);
  }
  for (const std::vector<std::int32_t>& ids : completion.token_prompts) {
    for (std::int32_t id : ids) {
      if (id >= tok.vocab_size()) {
        result.response = ErrorResponse(BadRequest(
            "token id " + std::to_string(id) + " in 'prompt' is outside the vocabulary of " +
                std::to_string(tok.vocab_size()),
            "prompt"));
        return result;
      }
    }
    prompts.push_back(ids);
    texts.push_back(tok.Decode(ids));
  }
  std::vector<ChoicePlan> plans;
  for (size_t p = 0; p < prompts.size(); ++p) {
    if (prompts[p].empty()) {
      result.response = ErrorResponse(BadRequest("'prompt' encodes to no tokens", "prompt"));
      return result;
    }
    for (int i = 0; i < g.n; ++i) {
      const std::uint64_t seed = g.seed_given ? g.sampling.seed + i : FreshSeed();
      plans.push_back({prompts[p], seed, completion.echo ? texts[p] : ""});
    }
  }
  result.job = GenerationJob::Start(*model, g, NewResponseMeta(ApiKind::kCompletion, *model),
                                    std::move(plans), error);
  if (!result.job) result.response = ErrorResponse(*error);
  return result;
}

}  // namespace citadel::server
