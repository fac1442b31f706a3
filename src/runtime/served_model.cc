#include "runtime/served_model.h"

#include <chrono>
#include <filesystem>
#include <utility>

#include "gguf/gguf_file.h"
#include "model/model_config.h"

namespace citadel::runtime {
namespace {

Result<ModelStack> StackFromFile(gguf::GgufFile file, const model::LoadOptions& load) {
  ModelStack stack;
  CITADEL_ASSIGN_OR_RETURN(stack.model, model::Model::FromFile(std::move(file), load));
  CITADEL_ASSIGN_OR_RETURN(stack.tokenizer, tokenizer::Tokenizer::FromGguf(stack.model->file()));
  return stack;
}

std::int64_t UnixSecondsNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<ModelStack> LoadModelStack(const std::string& path, const model::LoadOptions& load) {
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(path));
  return StackFromFile(std::move(file), load);
}

Result<std::unique_ptr<ServedModel>> LoadServedModel(const ModelSpec& spec,
                                                     const engine::EngineOptions& options,
                                                     int threads, const WarningSink& warn) {
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(spec.path));
  CITADEL_ASSIGN_OR_RETURN(model::ModelConfig config, model::ModelConfigFromGguf(file));
  CITADEL_ASSIGN_OR_RETURN(model::LoadOptions load,
                           engine::ModelLoadOptionsFor(config, options, threads));
  CITADEL_ASSIGN_OR_RETURN(ModelStack stack, StackFromFile(std::move(file), load));
  ChatPrompt prompt = ChatPrompt::ForModel(stack.model->file(), *stack.tokenizer, warn);
  CITADEL_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine,
                           engine::Engine::ForModel(*stack.model, *stack.tokenizer, options));
  return std::make_unique<ServedModel>(ServedModel{
      .id = spec.id.empty() ? DefaultModelId(spec.path) : spec.id,
      .path = spec.path,
      .created = UnixSecondsNow(),
      .model = std::move(stack.model),
      .tokenizer = std::move(stack.tokenizer),
      .prompt = std::move(prompt),
      .engine = std::move(engine),
  });
}

std::string DefaultModelId(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name.size() > 5 && name.ends_with(".gguf")) name.resize(name.size() - 5);
  return name;
}

}  // namespace citadel::runtime
