// EngineOptions: the serving knobs (--kv-cache-memory, --max-batch-tokens,
// --max-running, ...) and how they turn into the model's KV memory size.
//
// Plain value types and pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/model.h"
#include "model/model_config.h"
#include "util/status.h"

namespace citadel::engine {

struct EngineOptions {
  int block_tokens = 16;  // tokens per KV block
  // KV cache size in bytes. 0: kv_cache_memory_fraction of the available
  // RAM when that is > 0, else room for max_running full-context sequences
  // capped at half of the available RAM.
  std::int64_t kv_cache_memory_bytes = 0;
  double kv_cache_memory_fraction = 0;  // 0..1, share of available RAM
  int max_batch_tokens = 512;           // tokens per step, all sequences together
  int max_running = 16;                 // sequences decoded together
  int max_queue = 256;                  // waiting requests before Submit answers "overloaded"
  int context_length = 0;               // per-sequence cap; 0: the model's (at most 4096)
  // Element type of keys and values (--kv-cache-type); kQ8_0 holds about
  // twice the tokens of kF16 in the same kv_cache_memory_bytes.
  model::KvCacheType kv_cache_type = model::KvCacheType::kF16;
};

// The KV layout an engine runs with, resolved from options and the model.
struct KvLayout {
  int num_blocks = 0;
  int block_tokens = 16;
  int context_length = 0;        // longest sequence: prompt + completion
  std::uint64_t model_seed = 0;  // identifies the model in prefix-cache hashes
};

// InvalidArgument naming the option for a value out of range.
Status ValidateEngineOptions(const EngineOptions& options);

// Parses a --kv-cache-memory value into `options`: a byte count with an
// optional unit ("2147483648", "512MiB", "4GiB", "4GB", "8G"; K/M/G/T are
// binary, KB/MB/GB/TB decimal) sets kv_cache_memory_bytes; a percentage of
// the available RAM ("40%") sets kv_cache_memory_fraction. InvalidArgument
// quoting the text otherwise.
Status ParseKvCacheMemory(std::string_view text, EngineOptions& options);

// RAM the kernel reports as available (MemAvailable), or 0 when unknown.
std::int64_t AvailableMemoryBytes();

// The model load options that give the engine its KV cache: context length,
// block size, number of blocks (from the memory budget and the model's bytes
// per position in options.kv_cache_type), scratch for max_batch_tokens.
// `threads` 0 means all cores. InvalidArgument when the budget holds no block
// at all, or the model's head_dim cannot be stored as kv_cache_type.
Result<model::LoadOptions> ModelLoadOptionsFor(const model::ModelConfig& config,
                                               const EngineOptions& options, int threads);

// The layout of a loaded model's KV memory; the context is limited to what
// the whole cache can hold.
KvLayout KvLayoutOf(model::Model& model);

}  // namespace citadel::engine
