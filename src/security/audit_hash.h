// The digests of the audit chain: SHA-256, or SM3 (GB/T 32905) for
// deployments held to the Chinese national standards, both through OpenSSL 3
// EVP. A digest is written with its algorithm, "sha256:<64 hex>" or
// "sm3:<64 hex>", so a chain names how to check itself and may change
// algorithm between records.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace citadel::security {

enum class AuditHash { kSha256, kSm3 };

// "sha256", "sm3".
std::string_view AuditHashName(AuditHash hash);
// InvalidArgument naming the accepted values for anything else.
Result<AuditHash> ParseAuditHash(std::string_view name);

// "<name>:<hex>" of `bytes`. Unimplemented when this OpenSSL lacks SM3.
Result<std::string> AuditDigest(AuditHash hash, std::string_view bytes);
// The digest the first record of a chain links to: "<name>:" and 64 zeros.
std::string GenesisDigest(AuditHash hash);
// The algorithm a written digest names; InvalidArgument when `digest` is not
// "<name>:<64 lower-case hex>".
Result<AuditHash> DigestAlgorithm(std::string_view digest);

}  // namespace citadel::security
