// POST /tokenize {"model", "prompt" | "messages", "add_special_tokens"} ->
//   {"tokens": [...], "count": N, "max_model_len": C}
// POST /detokenize {"model", "tokens"} -> {"prompt": text}
// (the shapes vLLM's server uses). "model" may be omitted when one model is served.
#include <nlohmann/json.hpp>

#include "server/handlers.h"

namespace citadel::server {
namespace {

ApiResult<ServedModel*> ModelFor(ServerState& state, const RequestContext& context,
                                 const std::string& id) {
  if (id.empty()) {
    ServedModel* only = state.models.Single();
    if (only == nullptr) {
      return BadRequest("'model' is required", "model", "missing_required_parameter");
    }
    return ResolveModel(state, context, only->id);
  }
  return ResolveModel(state, context, id);
}

}  // namespace

RouteResult HandleTokenize(ServerState& state, const HttpRequest& request) {
  RouteResult result;
  TokenizeRequest parsed;
  if (auto error = ParseTokenizeRequest(request.body, parsed)) {
    result.response = ErrorResponse(*error);
    return result;
  }
  ApiResult<ServedModel*> resolved = ModelFor(state, request.context, parsed.model);
  if (!resolved.ok()) {
    result.response = ErrorResponse(resolved.error());
    return result;
  }
  ServedModel* model = *resolved;
  result.model = model->id;
  std::vector<std::int32_t> tokens;
  if (parsed.use_messages) {
    auto rendered = model->prompt.Tokens(parsed.messages, "");
    if (!rendered.ok()) {
      result.response = ErrorResponse(BadRequest(rendered.status().message(), "messages"));
      return result;
    }
    tokens = std::move(rendered).value();
  } else if (parsed.add_special) {
    tokens = model->prompt.Encode(parsed.prompt);
  } else {
    tokens = model->tokenizer->Encode(parsed.prompt, false, true);
  }
  nlohmann::json body = {{"tokens", tokens},
                         {"count", tokens.size()},
                         {"max_model_len", model->engine->layout().context_length}};
  result.response = JsonResponse(200, body.dump());
  return result;
}

RouteResult HandleDetokenize(ServerState& state, const HttpRequest& request) {
  RouteResult result;
  DetokenizeRequest parsed;
  if (auto error = ParseDetokenizeRequest(request.body, parsed)) {
    result.response = ErrorResponse(*error);
    return result;
  }
  ApiResult<ServedModel*> resolved = ModelFor(state, request.context, parsed.model);
  if (!resolved.ok()) {
    result.response = ErrorResponse(resolved.error());
    return result;
  }
  ServedModel* model = *resolved;
  result.model = model->id;
  for (std::int32_t id : parsed.tokens) {
    if (id >= model->tokenizer->vocab_size()) {
      result.response = ErrorResponse(
          BadRequest("token id " + std::to_string(id) + " is outside the vocabulary", "tokens"));
      return result;
    }
  }
  nlohmann::json body = {{"prompt", model->tokenizer->Decode(parsed.tokens)}};
  result.response =
      JsonResponse(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return result;
}

}  // namespace citadel::server
