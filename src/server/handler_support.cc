// Helpers the handlers share (declared in handlers.h).
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>

#include "server/handlers.h"

namespace citadel::server {

ServedModel* ResolveModel(ServerState& state, const std::string& id,
                          std::optional<ApiError>& error) {
  if (state.draining.load()) {
    error = Unavailable("The server is shutting down", "draining");
    return nullptr;
  }
  ServedModel* model = state.models.Find(id);
  if (model != nullptr) return model;
  if (state.models.state() == ModelRegistry::State::kLoading) {
    error = Unavailable("The model '" + id + "' is not loaded yet; retry shortly", "loading");
  } else {
    error = ModelNotFound(id);
  }
  return nullptr;
}

std::uint64_t FreshSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

Result<std::string> RenderChat(const ServedModel& model,
                               const std::vector<tmpl::ChatMessage>& messages,
                               const std::string& tools_json) {
  tmpl::ChatTemplateOptions options;
  options.add_generation_prompt = true;
  options.bos_token = model.bos_text;
  options.eos_token = model.eos_text;
  options.tools_json = tools_json;
  return model.chat_template->Render(messages, options);
}

std::vector<std::int32_t> EncodePrompt(const ServedModel& model, const std::string& text) {
  const tokenizer::Tokenizer& tok = *model.tokenizer;
  std::vector<std::int32_t> ids = tok.Encode(text, true, true);
  if (ids.size() >= 2 && tok.bos() >= 0 && ids[0] == tok.bos() && ids[1] == tok.bos()) {
    ids.erase(ids.begin());
  }
  return ids;
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
