// Helpers the handlers share (declared in handlers.h).
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>

#include "server/auth_stage.h"
#include "server/handlers.h"

namespace citadel::server {

ApiResult<ServedModel*> ResolveModel(ServerState& state, const RequestContext& context,
                                     const std::string& id) {
  if (auto refused = AuthoriseModel(context, id)) return *refused;
  if (state.draining.load()) return Unavailable("The server is shutting down", "draining");
  if (ServedModel* model = state.models.Find(id)) return model;
  if (state.models.state() == ModelRegistry::State::kLoading) {
    return Unavailable("The model '" + id + "' is not loaded yet; retry shortly", "loading");
  }
  return ModelNotFound(id);
}

std::optional<ApiError> CheckTokenIds(const ServedModel& model, std::span<const std::int32_t> ids,
                                      const std::string& what, const std::string& param) {
  const int vocab = model.tokenizer->vocab_size();
  for (std::int32_t id : ids) {
    if (id < 0 || id >= vocab) {
      return BadRequest("token id " + std::to_string(id) + " in " + what +
                            " is outside the vocabulary of " + std::to_string(vocab),
                        param);
    }
  }
  return std::nullopt;
}

std::optional<ApiError> CheckLogitBias(const ServedModel& model, const GenerationRequest& request) {
  const int vocab = model.tokenizer->vocab_size();
  for (const auto& [token, bias] : request.sampling.logit_bias) {
    if (token < 0 || token >= vocab) {
      return BadRequest(
          "sampling: logit_bias token " + std::to_string(token) + " is outside the vocabulary",
          "logit_bias");
    }
  }
  return std::nullopt;
}

std::uint64_t FreshSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

ResponseMeta NewResponseMeta(ApiKind kind, const ServedModel& model) {
  ResponseMeta meta;
  meta.kind = kind;
  meta.id = MakeResponseId(kind, FreshSeed(), FreshSeed());
  meta.created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  meta.model = model.id;
  char fingerprint[32];
  std::snprintf(
      fingerprint, sizeof(fingerprint), "fp_%010llx",
      static_cast<unsigned long long>(
          std::hash<std::string>()(model.path + std::to_string(model.created)) & 0xffffffffffULL));
  meta.system_fingerprint = fingerprint;
  return meta;
}

}  // namespace citadel::server
