// Router: the tail of the request pipeline. For a parsed HTTP request it runs
// the authenticate and authorise stages (auth_stage.h), then the handler:
//
//   POST /v1/chat/completions  POST /v1/completions
//   GET  /v1/models            GET  /v1/models/{id}
//   POST /tokenize             POST /detokenize
//   GET  /health  GET /ready   GET  /metrics
//   /admin/v1/users..., /admin/v1/keys...  (admin_handler.h)
//
// A known path with another method is 405, anything else 404 (after the
// key check, so an unauthenticated caller learns nothing about routes).
// The caller's identity is left in request.context for the stages after
// authorise (rate limit) and for the request log. Generation requests come
// back as a GenerationJob the connection drives; everything else as a
// finished response.
//
// Thread-safe (ServerState is); `request` belongs to the calling connection.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/generation_job.h"
#include "server/http_types.h"
#include "server/server_state.h"

namespace citadel::server {

struct RouteResult {
  HttpResponse response;               // when job is null
  std::unique_ptr<GenerationJob> job;  // generation in flight
  std::string model;                   // for the request log
  // Headers every answer of a job carries (x-ratelimit-*); a finished
  // response already has them in response.headers.
  std::vector<std::pair<std::string, std::string>> job_headers;
};

RouteResult Route(ServerState& state, HttpRequest& request);

}  // namespace citadel::server
