// The models `citadel serve` answers for: each one loaded by the runtime
// (runtime/served_model.h) under an id (alias or file stem).
//
// Loading happens once at start-up on a background thread while the server
// already answers /health (and 503 on everything that needs a model); Add()
// publishes each model as it becomes ready. Models are never removed before
// shutdown, so a ServedModel* stays valid for the registry's lifetime.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_metrics.h"
#include "runtime/served_model.h"
#include "server/openai_json.h"

namespace citadel::server {

using runtime::ServedModel;

class ModelRegistry {
 public:
  enum class State { kLoading, kReady, kFailed };

  void Add(std::unique_ptr<ServedModel> model);
  // Loading finished (kReady) or failed (kFailed).
  void SetState(State state) { state_.store(state); }
  State state() const { return state_.load(); }

  // nullptr when no model has this id.
  ServedModel* Find(const std::string& id) const;
  // The only model when exactly one is loaded (requests may then omit or
  // misspell nothing: "model" is still required, but tokenize may omit it).
  ServedModel* Single() const;
  std::vector<ModelInfo> List() const;
  std::size_t size() const;
  // (id, metrics snapshot) for every model.
  std::vector<std::pair<std::string, engine::EngineMetrics>> Metrics() const;
  // Cancels everything in flight and stops every engine. Idempotent.
  void StopEngines();

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ServedModel>> models_;  // guarded by mu_; append-only
  std::atomic<State> state_{State::kLoading};
};

}  // namespace citadel::server
