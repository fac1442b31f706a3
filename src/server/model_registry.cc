#include "server/model_registry.h"

namespace citadel::server {

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
