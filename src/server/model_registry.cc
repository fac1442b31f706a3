#include "server/model_registry.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "gguf/gguf_file.h"
#include "model/model_config.h"

namespace citadel::server {

std::string DefaultModelId(const std::string& path) {
  std::filesystem::path p(path);
  std::string name = p.filename().string();
  if (name.size() > 5 && name.ends_with(".gguf")) name.resize(name.size() - 5);
  return name;
}

Result<std::unique_ptr<ServedModel>> LoadServedModel(const ModelSpec& spec,
                                                     const engine::EngineOptions& options,
                                                     int threads) {
  auto served = std::make_unique<ServedModel>();
  served->id = spec.id.empty() ? DefaultModelId(spec.path) : spec.id;
  served->path = spec.path;
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(spec.path));
  CITADEL_ASSIGN_OR_RETURN(model::ModelConfig config, model::ModelConfigFromGguf(file));
  CITADEL_ASSIGN_OR_RETURN(model::LoadOptions load,
                           engine::ModelLoadOptionsFor(config, options, threads));
  CITADEL_ASSIGN_OR_RETURN(served->model, model::Model::FromFile(std::move(file), load));
  CITADEL_ASSIGN_OR_RETURN(served->tokenizer,
                           tokenizer::Tokenizer::FromGguf(served->model->file()));
  const tokenizer::Tokenizer& tok = *served->tokenizer;
  if (tok.bos() >= 0) served->bos_text = tok.TokenPiece(tok.bos());
  if (tok.eos() >= 0) served->eos_text = tok.TokenPiece(tok.eos());
  auto source = served->model->file().GetString("tokenizer.chat_template");
  if (source.ok()) {
    auto parsed = tmpl::ChatTemplate::Parse(*source);
    if (parsed.ok()) {
      served->chat_template = std::move(parsed).value();
    } else {
      std::fprintf(stderr, "citadel serve: %s: chat template does not parse (%s); using ChatML\n",
                   spec.path.c_str(), parsed.status().message().c_str());
    }
  }
  if (!served->chat_template) served->chat_template = tmpl::ChatTemplate::ChatMl();
  CITADEL_ASSIGN_OR_RETURN(served->engine,
                           engine::Engine::ForModel(*served->model, *served->tokenizer, options));
  served->created = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return served;
}

void ModelRegistry::Add(std::unique_ptr<ServedModel> model) {
  std::lock_guard lock(mu_);
  models_.push_back(std::move(model));
}

ServedModel* ModelRegistry::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& m : models_) {
    if (m->id == id) return m.get();
  }
  return nullptr;
}

ServedModel* ModelRegistry::Single() const {
  std::lock_guard lock(mu_);
  return models_.size() == 1 ? models_.front().get() : nullptr;
}

std::vector<ModelInfo> ModelRegistry::List() const {
  std::lock_guard lock(mu_);
  std::vector<ModelInfo> list;
  for (const auto& m : models_) list.push_back({m->id, m->created, "citadel"});
  return list;
}

std::size_t ModelRegistry::size() const {
  std::lock_guard lock(mu_);
  return models_.size();
}

std::vector<std::pair<std::string, engine::EngineMetrics>> ModelRegistry::Metrics() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, engine::EngineMetrics>> out;
  for (const auto& m : models_) out.emplace_back(m->id, m->engine->Metrics());
  return out;
}

void ModelRegistry::StopEngines() {
  std::lock_guard lock(mu_);
  for (const auto& m : models_) m->engine->Stop();
}

}  // namespace citadel::server
