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
  ApiResult<ServedModel*> resolved = ResolveModel(state, request.context, g.model);
  if (!resolved.ok()) {
    result.response = ErrorResponse(resolved.error());
    return result;
  }
  ServedModel* model = *resolved;
  if (auto error = CheckLogitBias(*model, g)) {
    result.response = ErrorResponse(*error);
    return result;
  }
  const tokenizer::Tokenizer& tok = *model->tokenizer;
  std::vector<std::vector<std::int32_t>> prompts;
  std::vector<std::string> texts;
  for (const std::string& text : completion.text_prompts) {
    prompts.push_back(model->prompt.Encode(text));
    texts.push_back(text);
  }
  for (const std::vector<std::int32_t>& ids : completion.token_prompts) {
    if (auto error = CheckTokenIds(*model, ids, "'prompt'", "prompt")) {
      result.response = ErrorResponse(*error);
      return result;
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
  auto job = GenerationJob::Start(*model, g, NewResponseMeta(ApiKind::kCompletion, *model),
                                  std::move(plans), state.policy.get());
  if (job.ok()) {
    result.job = std::move(job).value();
  } else {
    result.response = ErrorResponse(FromStatus(job.status(), "prompt"));
  }
  return result;
}

}  // namespace citadel::server
