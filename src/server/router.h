// Router: maps a parsed HTTP request to its handler.
//
//   POST /v1/chat/completions  POST /v1/completions
//   GET  /v1/models            GET  /v1/models/{id}
//   POST /tokenize             POST /detokenize
//   GET  /health  GET /ready   GET  /metrics
//
// A known path with another method is 405, anything else 404; /v1/* and
// /tokenize, /detokenize need "Authorization: Bearer <server.api_key>" when a
// key is set. Generation requests come back as a GenerationJob the
// connection drives; everything else as a finished response.
//
// Thread-safe (ServerState is).
#pragma once

#include <memory>
#include <string>

#include "server/generation_job.h"
#include "server/http_types.h"
#include "server/server_state.h"

namespace citadel::server {

struct RouteResult {
  HttpResponse response;               // when job is null
  std::unique_ptr<GenerationJob> job;  // generation in flight
  std::string model;                   // for the request log
};

RouteResult Route(ServerState& state, const HttpRequest& request);

}  // namespace citadel::server
