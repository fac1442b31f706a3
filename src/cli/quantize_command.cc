// `citadel quantize INPUT.gguf OUTPUT.gguf TYPE [--threads N]`: writes a copy
// of a model with its weight matrices converted to a file type (Q4_K_M,
// Q8_0, F16, ...). Every metadata key is copied; general.file_type and
// general.quantization_version are set. Each 2-D weight gets the type the
// mix chooses (model/quant_mix.h, as the reference quantizer would); other
// tensors (norms, 1-D) keep their type and bytes. Prints one line per tensor
// and a summary of sizes and time.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/dequantize.h"
#include "kernels/quantize.h"
#include "model/quant_mix.h"
#include "util/thread_pool.h"

namespace citadel::cli {
namespace {

// The `general.quantization_version` the reference writes with K-quants.
constexpr std::uint32_t kQuantizationVersion = 2;

struct QuantizeOptions {
  std::string input_path;
  std::string output_path;
  std::string type_name;
  int threads = 0;  // 0: one per hardware thread
};

// "512 B", "12.50 KiB", "3.20 GiB".
std::string HumanBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.2f %s", value, kUnits[unit]);
  return text;
}

std::string ShapeText(const std::vector<std::int64_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i)
    text += (i > 0 ? " x " : "") + std::to_string(dims[i]);
  return text;
}

// What the mix needs to know about the model as a whole.
struct ModelFacts {
  int n_layers = 0;
  model::MixContext context;
};

ModelFacts ReadModelFacts(const gguf::GgufFile& file) {
  ModelFacts facts;
  Result<std::string_view> arch_value = file.GetString("general.architecture");
  const std::string arch(arch_value.ok() ? *arch_value : "");
  if (Result<std::uint32_t> blocks = file.GetU32(arch + ".block_count"); blocks.ok()) {
    facts.n_layers = static_cast<int>(*blocks);
  } else {  // no block count: one past the highest "blk.N." tensor
    for (const gguf::TensorInfo& tensor : file.tensors()) {
      facts.n_layers = std::max(facts.n_layers, model::LayerIndexOf(tensor.name) + 1);
    }
  }
  auto heads = file.GetU32(arch + ".attention.head_count");
  auto kv_heads = file.GetU32(arch + ".attention.head_count_kv");
  if (heads.ok() && kv_heads.ok() && *kv_heads > 0)
    facts.context.gqa_ratio = static_cast<int>(*heads / *kv_heads);
  facts.context.tied_embeddings = file.FindTensor("output.weight") == nullptr &&
                                  file.FindTensor("token_embd.weight") != nullptr;
  return facts;
}

// Metadata of `file` in order, minus what describes the old layout.
void CopyMetadata(const gguf::GgufFile& file, model::FileType target, gguf::GgufWriter& writer) {
  for (const gguf::MetadataEntry& entry : file.metadata()) {
    std::string_view key = entry.key;
    if (key == "general.alignment" || key == "split.no" || key == "split.count" ||
        key == "split.tensors.count") {
      continue;
    }
    writer.SetValue(std::string(key), entry.value);
  }
  writer.SetU32("general.quantization_version", kQuantizationVersion);
  writer.SetU32("general.file_type", static_cast<std::uint32_t>(target));
  writer.SetAlignment(file.alignment());
}

// The tensor's values converted to `target` (dims[0] is the row length).
Result<std::vector<std::uint8_t>> Convert(const gguf::TensorInfo& tensor, TensorType target,
                                          ThreadPool& pool) {
  const std::int64_t cols = tensor.dims[0];
  const std::int64_t rows = tensor.rows();
  std::vector<float> values(static_cast<std::size_t>(tensor.elements));
  CITADEL_TRY(
      kernels::DequantizeRow(tensor.type, tensor.data.data(), values.data(), tensor.elements));
  std::vector<std::uint8_t> out(static_cast<std::size_t>(RowBytes(target, cols) * rows));
  CITADEL_TRY(kernels::QuantizeTensor(target, values.data(), out.data(), rows, cols, &pool));
  return out;
}

struct Totals {
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  int converted = 0;
};

Status AddTensor(const gguf::TensorInfo& tensor, TensorType target, ThreadPool& pool,
                 gguf::GgufWriter& writer, Totals& totals) {
  std::vector<std::uint8_t> converted;
  std::span<const std::uint8_t> bytes = tensor.data;
  if (target != tensor.type) {
    Result<std::vector<std::uint8_t>> result = Convert(tensor, target, pool);
    if (!result.ok()) return result.status().WithContext("tensor " + tensor.name);
    converted = std::move(result).value();
    bytes = converted;
    ++totals.converted;
  }
  totals.input_bytes += tensor.data.size();
  totals.output_bytes += bytes.size();
  return writer.AddTensor(tensor.name, target, tensor.dims, bytes);
}

Status RunQuantize(const QuantizeOptions& options) {
  std::optional<model::FileType> target = model::ParseFileType(options.type_name);
  if (!target) {
    return InvalidArgumentError(
        "unknown file type '" + options.type_name +
        "' (expected one of F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K_M, "
        "Q4_K_S, Q4_K_M, Q5_K_M, Q6_K)");
  }
  std::error_code ignored;
  if (std::filesystem::equivalent(options.input_path, options.output_path, ignored)) {
    return InvalidArgumentError("output '" + options.output_path + "' is the input file");
  }
  const auto start = std::chrono::steady_clock::now();
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(options.input_path));
  const ModelFacts facts = ReadModelFacts(file);
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  ThreadPool pool(threads);

  gguf::GgufWriter writer;
  CopyMetadata(file, *target, writer);
  Totals totals;
  const std::size_t count = file.tensors().size();
  for (std::size_t i = 0; i < count; ++i) {
    const gguf::TensorInfo& tensor = file.tensors()[i];
    TensorType type = tensor.type;
    if (model::IsQuantizableTensor(tensor.name, static_cast<int>(tensor.dims.size()))) {
      type = model::ChooseTensorType(*target, tensor.name, model::LayerIndexOf(tensor.name),
                                     facts.n_layers, tensor.dims[0], facts.context);
    }
    std::uint64_t before = totals.output_bytes;
    CITADEL_TRY(AddTensor(tensor, type, pool, writer, totals));
    std::printf("[%4zu/%4zu] %-36s %-22s %5s -> %-5s %10s -> %s\n", i + 1, count,
                tensor.name.c_str(), ShapeText(tensor.dims).c_str(),
                std::string(TensorTypeName(tensor.type)).c_str(),
                std::string(TensorTypeName(type)).c_str(), HumanBytes(tensor.data.size()).c_str(),
                HumanBytes(totals.output_bytes - before).c_str());
  }
  CITADEL_TRY(writer.WriteFile(options.output_path));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%s: %s, %d of %zu tensors converted, tensor data %s -> %s (%.1f%%), %.2f s, %d threads\n",
      options.output_path.c_str(), std::string(model::FileTypeName(*target)).c_str(),
      totals.converted, count, HumanBytes(totals.input_bytes).c_str(),
      HumanBytes(totals.output_bytes).c_str(),
      totals.input_bytes > 0 ? 100.0 * static_cast<double>(totals.output_bytes) / totals.input_bytes
                             : 100.0,
      seconds, pool.size());
  std::fflush(stdout);
  return OkStatus();
}

}  // namespace

void RegisterQuantizeCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<QuantizeOptions>();
  CLI::App* cmd =
      app.add_subcommand("quantize", "Write a copy of a GGUF model with its weights quantized");
  cmd->add_option("input", options->input_path, "Source .gguf file")->required();
  cmd->add_option("output", options->output_path, "Destination .gguf file (replaced if present)")
      ->required();
  cmd->add_option("type", options->type_name,
                  "File type: F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K_M, Q4_K_S, "
                  "Q4_K_M, Q5_K_M, Q6_K")
      ->required();
  cmd->add_option("--threads", options->threads,
                  "Worker threads (default: one per hardware thread)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([options, &result] { result.status = RunQuantize(*options); });
}

}  // namespace citadel::cli
