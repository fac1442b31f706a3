// API keys: generation, the presented form, hashing and scopes.
//
// A key is "cit_" followed by 43 base62 characters: 32 bytes from the OS
// CSPRNG (OpenSSL RAND_bytes) written as one base62 number, zero-padded.
// The store keeps only its SHA-256 (hex) and the first 8 characters after
// "cit_" (the lookup prefix, safe to show and log); the key itself is shown
// once, at creation.
//
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::security {

inline constexpr std::string_view kApiKeyMarker = "cit_";
inline constexpr size_t kApiKeySecretChars = 43;  // ceil(256 / log2(62))
inline constexpr size_t kApiKeyPrefixChars = 8;

using Sha256Digest = std::array<std::uint8_t, 32>;

// What a key may be used for. ScopeSet is a bit set of them.
enum class Scope : std::uint32_t {
  kChat = 1u << 0,         // "chat": /v1/chat/completions
  kCompletions = 1u << 1,  // "completions": /v1/completions
  kModelsRead = 1u << 2,   // "models:read": /v1/models
  kEmbeddings = 1u << 3,   // "embeddings"
  kAdmin = 1u << 4,        // "admin": /admin/v1/
  kAuditRead = 1u << 5,    // "audit:read"
};
using ScopeSet = std::uint32_t;

std::string_view ScopeName(Scope scope);
// InvalidArgument naming the unknown scope and listing the known ones; an
// empty list is InvalidArgument too (a key must be good for something).
Result<ScopeSet> ParseScopes(const std::vector<std::string>& names);
// The names of the scopes in `scopes`, in the order of the enum.
std::vector<std::string> ScopeNames(ScopeSet scopes);
inline bool HasScope(ScopeSet scopes, Scope scope) {
  return (scopes & static_cast<std::uint32_t>(scope)) != 0;
}

struct GeneratedKey {
  std::string key;       // "cit_..." — show once, never store or log
  std::string prefix;    // the 8 lookup characters after "cit_"
  std::string hash_hex;  // SHA-256 of `key`, lower-case hex
};

// Internal when the CSPRNG fails.
Result<GeneratedKey> GenerateApiKey();

// A presented key split for lookup. Unauthenticated (without echoing the
// key) when it is not "cit_" + 43 base62 characters.
struct PresentedKey {
  std::string prefix;
  Sha256Digest hash{};
};
Result<PresentedKey> ParsePresentedKey(std::string_view text);

// The 43-character base62 form of 32 bytes (big-endian number, zero-padded).
std::string Base62Encode(const std::array<std::uint8_t, 32>& bytes);

Sha256Digest Sha256(std::string_view data);
std::string HexEncode(const Sha256Digest& digest);
// InvalidArgument unless `hex` is 64 hex digits.
Result<Sha256Digest> HexDecodeDigest(std::string_view hex);
// Constant-time equality of two digests.
bool DigestsEqual(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace citadel::security
