#include "kernels/kv_cache_type.h"

#include <string>

#include "kernels/block_formats.h"

namespace citadel::kernels {

std::string_view KvCacheTypeName(KvCacheType type) {
  switch (type) {
    case KvCacheType::kF16:
      return "f16";
    case KvCacheType::kQ8_0:
      return "q8_0";
  }
  return "unknown";
}

Result<KvCacheType> ParseKvCacheType(std::string_view text) {
  for (KvCacheType type : {KvCacheType::kF16, KvCacheType::kQ8_0}) {
    if (text == KvCacheTypeName(type)) return type;
  }
  return InvalidArgumentError("kv-cache-type \"" + std::string(text) +
                              "\" is not one of f16, q8_0");
}

Status CheckKvCacheType(KvCacheType type, int head_dim) {
  if (head_dim <= 0) {
    return InvalidArgumentError("KV head_dim must be positive, got " + std::to_string(head_dim));
  }
  if (type == KvCacheType::kQ8_0 && head_dim % kQK != 0) {
    return InvalidArgumentError(
        "--kv-cache-type q8_0 needs head_dim a multiple of 32 (this model's head_dim is " +
        std::to_string(head_dim) + "); use --kv-cache-type f16");
  }
  return OkStatus();
}

std::int64_t KvBytes(KvCacheType type, std::int64_t elements) {
  switch (type) {
    case KvCacheType::kF16:
      return elements * static_cast<std::int64_t>(sizeof(Half));
    case KvCacheType::kQ8_0:
      return elements / kQK * static_cast<std::int64_t>(sizeof(BlockQ8_0));
  }
  return 0;
}

}  // namespace citadel::kernels
