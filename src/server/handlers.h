// The endpoint handlers, one file per endpoint family:
//   health_handler.cc            GET /health, GET /ready
//   models_handler.cc            GET /v1/models, GET /v1/models/{id}
//   chat_completions_handler.cc  POST /v1/chat/completions
//   completions_handler.cc       POST /v1/completions
//   tokenize_handler.cc          POST /tokenize, POST /detokenize
//   metrics_handler.cc           GET /metrics
// Called by the router on an I/O thread; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "server/router.h"

namespace citadel::server {

HttpResponse HandleHealth(ServerState& state);
HttpResponse HandleReady(ServerState& state);
// Only the models the caller's key may use; another model is 404 here.
HttpResponse HandleListModels(ServerState& state, const RequestContext& context);
HttpResponse HandleGetModel(ServerState& state, const RequestContext& context,
                            const std::string& id);
RouteResult HandleChatCompletions(ServerState& state, const HttpRequest& request);
RouteResult HandleCompletions(ServerState& state, const HttpRequest& request);
RouteResult HandleTokenize(ServerState& state, const HttpRequest& request);
RouteResult HandleDetokenize(ServerState& state, const HttpRequest& request);
HttpResponse HandleMetrics(ServerState& state);

// The model a request names, or the error to answer with: 403 when the
// caller's key may not use it (before anything else, so a key learns
// nothing about other models), 503 while loading or draining, 404 for an
// unknown id.
ApiResult<ServedModel*> ResolveModel(ServerState& state, const RequestContext& context,
                                     const std::string& id);

// 400 naming `param` when a token id is outside the model's vocabulary.
std::optional<ApiError> CheckTokenIds(const ServedModel& model, std::span<const std::int32_t> ids,
                                      const std::string& what, const std::string& param);
// The request's logit_bias tokens against the model's vocabulary (400).
std::optional<ApiError> CheckLogitBias(const ServedModel& model, const GenerationRequest& request);

// A seed for a request that gave none.
std::uint64_t FreshSeed();

// Response metadata for a new request on `model`.
ResponseMeta NewResponseMeta(ApiKind kind, const ServedModel& model);

}  // namespace citadel::server
