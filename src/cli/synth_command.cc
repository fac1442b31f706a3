// `citadel synth --arch llama|qwen2|qwen3 --preset tiny|tinyllama-1.1b|llama3.2-1b|qwen2.5-0.5b
//  --type F16|Q8_0|Q4_0|Q4_K_M [--vocab-from GGUF] [--seed S] -o FILE`:
// writes a model with random weights and the real shapes of the preset, for
// benchmarks and capacity planning (and a real tokenizer when --vocab-from
// names a GGUF to copy it from).
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "cli/command.h"
#include "gguf/gguf_file.h"
#include "model/quant_mix.h"
#include "model/synthetic_model.h"
#include "util/thread_pool.h"

namespace citadel::cli {
namespace {

struct SynthOptions {
  std::string architecture = "llama";
  std::string preset = "tiny";
  std::string type = "F16";
  std::string vocab_from;
  std::string output;
  std::uint64_t seed = 1;
  int threads = 0;
  int layers = 0;
};

Status RunSynth(const SynthOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(model::SyntheticSpec spec,
                           model::SyntheticPreset(options.preset, options.architecture));
  const std::optional<model::FileType> file_type = model::ParseFileType(options.type);
  if (!file_type) return InvalidArgumentError("unknown --type '" + options.type + "'");
  spec.file_type = *file_type;
  spec.seed = options.seed;
  if (options.layers > 0) spec.num_layers = options.layers;
  std::optional<gguf::GgufFile> vocab;
  if (!options.vocab_from.empty()) {
    CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(options.vocab_from));
    vocab.emplace(std::move(file));
  }
  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  ThreadPool pool(threads);
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufWriter writer,
                           model::BuildSyntheticModel(spec, vocab ? &*vocab : nullptr, &pool));
  CITADEL_TRY(writer.WriteFile(options.output));
  std::fprintf(stderr, "citadel synth: wrote %s (%s %s, %s)\n", options.output.c_str(),
               options.architecture.c_str(), options.preset.c_str(),
               std::string(model::FileTypeName(spec.file_type)).c_str());
  return OkStatus();
}

}  // namespace

void RegisterSynthCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<SynthOptions>();
  CLI::App* cmd = app.add_subcommand("synth", "Write a model with random weights and real shapes");
  cmd->add_option("--arch", options->architecture, "llama, qwen2 or qwen3");
  cmd->add_option("--preset", options->preset, "tiny, tinyllama-1.1b, llama3.2-1b, qwen2.5-0.5b");
  cmd->add_option("--type", options->type, "F32, F16, Q8_0, Q4_0, Q4_K_M, ...");
  cmd->add_option("--vocab-from", options->vocab_from, "copy the tokenizer from this GGUF");
  cmd->add_option("--seed", options->seed, "weight seed");
  cmd->add_option("--layers", options->layers, "override the preset's layer count")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-t,--threads", options->threads, "threads for quantizing (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--output", options->output, "output GGUF file")->required();
  cmd->callback([options, &result] { result.status = RunSynth(*options); });
}

}  // namespace citadel::cli
