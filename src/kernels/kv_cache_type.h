// The element type of the paged KV store:
//
//   kF16  : one IEEE half per element (2 bytes).
//   kQ8_0 : GGUF Q8_0 blocks of 32 elements along head_dim (BlockQ8_0: an F16
//           scale d = amax / 127 and 32 int8 quants, round half away from
//           zero, as QuantizeRowQ8_0), 34 bytes per 32 elements. head_dim
//           must be a multiple of 32, so a block never spans two heads.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace citadel::kernels {

enum class KvCacheType { kF16, kQ8_0 };

// "f16" or "q8_0" (the spelling of --kv-cache-type).
std::string_view KvCacheTypeName(KvCacheType type);

// The type named `text` ("f16", "q8_0"; case-sensitive). InvalidArgument
// "kv-cache-type \"TEXT\" is not one of f16, q8_0" otherwise.
Result<KvCacheType> ParseKvCacheType(std::string_view text);

// OkStatus when rows of `head_dim` elements can be stored as `type`;
// InvalidArgument "--kv-cache-type q8_0 needs head_dim a multiple of 32 ..."
// otherwise (or for a non-positive head_dim).
Status CheckKvCacheType(KvCacheType type, int head_dim);

// Bytes of `elements` consecutive elements of `type`; for kQ8_0 `elements`
// must be a multiple of 32 (see CheckKvCacheType).
std::int64_t KvBytes(KvCacheType type, std::int64_t elements);

}  // namespace citadel::kernels
