// The models `citadel serve` answers for: each loaded GGUF with its
// tokenizer, chat template and engine, under an id (alias or file stem).
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

#include "engine/engine.h"
#include "engine/engine_options.h"
#include "model/model.h"
#include "server/openai_json.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace citadel::server {

struct ServedModel {
  std::string id;
  std::string path;
  std::int64_t created = 0;  // unix seconds when loaded
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::optional<tmpl::ChatTemplate> chat_template;
  std::string bos_text;
  std::string eos_text;
  std::unique_ptr<engine::Engine> engine;  // declared last: stopped first
};

struct ModelSpec {
  std::string path;
  std::string id;  // empty: the file name without .gguf
};

// Loads model, tokenizer, template (ChatML when the model ships none or one
// that does not parse) and starts its engine. Errors name the file.
Result<std::unique_ptr<ServedModel>> LoadServedModel(const ModelSpec& spec,
                                                     const engine::EngineOptions& options,
                                                     int threads);

// The id a model file is served under when no alias is given.
std::string DefaultModelId(const std::string& path);

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
