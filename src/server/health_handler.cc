// GET /health: the process is up and answering. GET /ready: every model is
// loaded and the server is not draining (503 with the reason otherwise).
#include <nlohmann/json.hpp>

#include "server/handlers.h"

namespace citadel::server {

HttpResponse HandleHealth(ServerState& state) {
  return JsonResponse(200, R"({"status":"ok"})");
}

HttpResponse HandleReady(ServerState& state) {
  nlohmann::json body;
  body["models"] = nlohmann::json::array();
  for (const ModelInfo& m : state.models.List()) body["models"].push_back(m.id);
  int status = 200;
  if (state.draining.load()) {
    status = 503;
    body["status"] = "draining";
  } else if (state.models.state() == ModelRegistry::State::kLoading) {
    status = 503;
    body["status"] = "loading";
  } else if (state.models.state() == ModelRegistry::State::kFailed) {
    status = 503;
    body["status"] = "failed";
  } else if (state.models.size() == 0) {
    status = 503;
    body["status"] = "no_model";
    body["message"] =
        "No model is loaded. Start with `citadel serve -m MODEL.gguf` (or `make serve "
        "MODEL=path`, or model.paths in the config file).";
  } else {
    body["status"] = "ready";
  }
  return JsonResponse(status, body.dump());
}

}  // namespace citadel::server
