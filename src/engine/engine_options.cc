#include "engine/engine_options.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace citadel::engine {
namespace {

constexpr int kDefaultMaxContext = 4096;

std::int64_t DefaultKvBytes(const EngineOptions& options, int context_length,
                            std::int64_t bytes_per_token) {
  const std::int64_t available = AvailableMemoryBytes();
  if (options.kv_cache_memory_fraction > 0) {
    return static_cast<std::int64_t>(options.kv_cache_memory_fraction *
                                     static_cast<double>(available));
  }
  std::int64_t bytes =
      static_cast<std::int64_t>(options.max_running) * context_length * bytes_per_token;
  if (available > 0) bytes = std::min(bytes, available / 2);
  return bytes;
}

// Multiplier of a size suffix (case-insensitive), or 0 when unknown.
std::int64_t UnitMultiplier(std::string suffix) {
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (suffix.empty() || suffix == "b") return 1;
  static constexpr struct {
    const char* binary[3];
    const char* decimal;
    std::int64_t binary_factor;
    std::int64_t decimal_factor;
  } kUnits[] = {{{"k", "kib", "ki"}, "kb", 1LL << 10, 1000LL},
                {{"m", "mib", "mi"}, "mb", 1LL << 20, 1000LL * 1000},
                {{"g", "gib", "gi"}, "gb", 1LL << 30, 1000LL * 1000 * 1000},
                {{"t", "tib", "ti"}, "tb", 1LL << 40, 1000LL * 1000 * 1000 * 1000}};
  for (const auto& unit : kUnits) {
    for (const char* name : unit.binary) {
      if (suffix == name) return unit.binary_factor;
    }
    if (suffix == unit.decimal) return unit.decimal_factor;
  }
  return 0;
}

}  // namespace

Status ParseKvCacheMemory(std::string_view text, EngineOptions& options) {
  const std::string quoted = "kv-cache-memory \"" + std::string(text) + "\"";
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) return InvalidArgumentError(quoted + " must start with a number");
  double number = 0;
  try {
    number = std::stod(std::string(text.substr(0, digits)));
  } catch (const std::exception&) {
    return InvalidArgumentError(quoted + " is not a number");
  }
  const std::string_view suffix = text.substr(digits);
  if (suffix == "%") {
    if (number <= 0 || number > 100) {
      return InvalidArgumentError(quoted + " must be a share between 0% and 100%");
    }
    options.kv_cache_memory_fraction = number / 100.0;
    options.kv_cache_memory_bytes = 0;
    return OkStatus();
  }
  const std::int64_t unit = UnitMultiplier(std::string(suffix));
  if (unit == 0) {
    return InvalidArgumentError(quoted +
                                " has an unknown unit (use B, KiB, MiB, GiB, KB, MB, GB or %)");
  }
  const double bytes = number * static_cast<double>(unit);
  if (bytes < 1 || bytes > 9.0e18) return InvalidArgumentError(quoted + " is out of range");
  options.kv_cache_memory_bytes = static_cast<std::int64_t>(bytes);
  options.kv_cache_memory_fraction = 0;
  return OkStatus();
}

Status ValidateEngineOptions(const EngineOptions& options) {
  if (options.block_tokens != 16 && options.block_tokens != 32) {
    return InvalidArgumentError("kv block size must be 16 or 32 tokens, got " +
                                std::to_string(options.block_tokens));
  }
  if (options.kv_cache_memory_bytes < 0) {
    return InvalidArgumentError("kv-cache-memory must not be negative");
  }
  if (options.kv_cache_memory_fraction < 0 || options.kv_cache_memory_fraction > 1) {
    return InvalidArgumentError("kv-cache-memory share must be within 0..1, got " +
                                std::to_string(options.kv_cache_memory_fraction));
  }
  if (options.max_batch_tokens < 1) {
    return InvalidArgumentError("max-batch-tokens must be at least 1, got " +
                                std::to_string(options.max_batch_tokens));
  }
  if (options.max_running < 1) {
    return InvalidArgumentError("max-running must be at least 1, got " +
                                std::to_string(options.max_running));
  }
  if (options.max_queue < 0) return InvalidArgumentError("max-queue must not be negative");
  if (options.context_length < 0)
    return InvalidArgumentError("context length must not be negative");
  return OkStatus();
}

std::int64_t AvailableMemoryBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::int64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

Result<model::LoadOptions> ModelLoadOptionsFor(const model::ModelConfig& config,
                                               const EngineOptions& options, int threads) {
  CITADEL_TRY(ValidateEngineOptions(options));
  CITADEL_TRY(model::CheckKvCacheType(options.kv_cache_type, config.head_dim));
  model::LoadOptions load;
  load.threads = threads;
  load.max_batch_tokens = options.max_batch_tokens;
  load.kv_block_size = options.block_tokens;
  load.context_length = options.context_length > 0
                            ? std::min(options.context_length, config.context_length)
                            : std::min(config.context_length, kDefaultMaxContext);
  load.kv_cache_type = options.kv_cache_type;
  const model::KvShape shape{
      config.num_layers,    config.num_kv_heads, config.head_dim, options.block_tokens, 0,
      options.kv_cache_type};
  const std::int64_t bytes_per_token = model::KvMemory::BytesPerPosition(shape);
  const std::int64_t budget = options.kv_cache_memory_bytes > 0
                                  ? options.kv_cache_memory_bytes
                                  : DefaultKvBytes(options, load.context_length, bytes_per_token);
  const std::int64_t bytes_per_block = bytes_per_token * options.block_tokens;
  const std::int64_t blocks = budget / bytes_per_block;
  if (blocks < 1) {
    return InvalidArgumentError("kv-cache-memory of " + std::to_string(budget) +
                                " bytes holds no KV block (one block of " +
                                std::to_string(options.block_tokens) + " tokens needs " +
                                std::to_string(bytes_per_block) + " bytes)");
  }
  load.kv_blocks = static_cast<int>(std::min<std::int64_t>(blocks, 1 << 24));
  return load;
}

KvLayout KvLayoutOf(model::Model& model) {
  const model::KvShape& shape = model.kv_memory().shape();
  KvLayout layout;
  layout.num_blocks = shape.num_blocks;
  layout.block_tokens = shape.block_size;
  layout.context_length = std::min(model.context_length(), shape.num_blocks * shape.block_size);
  const model::ModelConfig& c = model.config();
  std::size_t seed = std::hash<std::string>{}(c.architecture_name + "/" + c.name);
  for (int v : {c.vocab_size, c.embedding_length, c.num_layers, c.num_heads, c.num_kv_heads,
                c.head_dim, c.feed_forward_length}) {
    seed = seed * 1000003u + static_cast<std::size_t>(v);
  }
  layout.model_seed = seed;
  return layout;
}

}  // namespace citadel::engine
