// GET /v1/models and GET /v1/models/{id}, limited to the models the
// caller's key may use.
#include "server/auth_stage.h"
#include "server/handlers.h"

namespace citadel::server {

HttpResponse HandleListModels(ServerState& state, const RequestContext& context) {
  std::vector<ModelInfo> models = state.models.List();
  std::erase_if(models, [&](const ModelInfo& m) { return !ModelVisible(context, m.id); });
  return JsonResponse(200, ModelListJson(models));
}

HttpResponse HandleGetModel(ServerState& state, const RequestContext& context,
                            const std::string& id) {
  if (ModelVisible(context, id)) {
    for (const ModelInfo& m : state.models.List()) {
      if (m.id == id) return JsonResponse(200, ModelJson(m));
    }
  }
  return ErrorResponse(ModelNotFound(id));
}

}  // namespace citadel::server
