// GET /v1/models and GET /v1/models/{id}.
#include "server/handlers.h"

namespace citadel::server {

HttpResponse HandleListModels(ServerState& state) {
  const std::vector<ModelInfo> models = state.models.List();
  return JsonResponse(200, ModelListJson(models));
}

HttpResponse HandleGetModel(ServerState& state, const std::string& id) {
  for (const ModelInfo& m : state.models.List()) {
    if (m.id == id) return JsonResponse(200, ModelJson(m));
  }
  return ErrorResponse(ModelNotFound(id));
}

}  // namespace citadel::server
