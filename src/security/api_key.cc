#include "security/api_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

namespace citadel::security {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

constexpr Scope kAllScopes[] = {Scope::kChat,       Scope::kCompletions, Scope::kModelsRead,
                                Scope::kEmbeddings, Scope::kAdmin,       Scope::kAuditRead};

bool IsBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kChat:
      return "chat";
    case Scope::kCompletions:
      return "completions";
    case Scope::kModelsRead:
      return "models:read";
    case Scope::kEmbeddings:
      return "embeddings";
    case Scope::kAdmin:
      return "admin";
    case Scope::kAuditRead:
      return "audit:read";
  }
  return "?";
}

Result<ScopeSet> ParseScopes(const std::vector<std::string>& names) {
  if (names.empty()) {
    return InvalidArgumentError(
        "a key needs at least one scope (chat, completions, models:read, embeddings, admin, "
        "audit:read)");
  }
  ScopeSet scopes = 0;
  for (const std::string& name : names) {
    const auto* match = std::find_if(std::begin(kAllScopes), std::end(kAllScopes),
                                     [&](Scope s) { return ScopeName(s) == name; });
    if (match == std::end(kAllScopes)) {
      return InvalidArgumentError("unknown scope '" + name +
                                  "' (expected chat, completions, models:read, embeddings, admin "
                                  "or audit:read)");
    }
    scopes |= static_cast<std::uint32_t>(*match);
  }
  return scopes;
}

std::vector<std::string> ScopeNames(ScopeSet scopes) {
  std::vector<std::string> names;
  for (Scope scope : kAllScopes) {
    if (HasScope(scopes, scope)) names.emplace_back(ScopeName(scope));
  }
  return names;
}

std::string Base62Encode(const std::array<std::uint8_t, 32>& bytes) {
  // Long division of the 256-bit big-endian number by 62, one digit a pass.
  std::array<std::uint8_t, 32> number = bytes;
  std::string digits(kApiKeySecretChars, '0');
  for (size_t i = 0; i < kApiKeySecretChars; ++i) {
    std::uint32_t remainder = 0;
    for (std::uint8_t& byte : number) {
      const std::uint32_t value = (remainder << 8) | byte;
      byte = static_cast<std::uint8_t>(value / 62);
      remainder = value % 62;
    }
    digits[kApiKeySecretChars - 1 - i] = kBase62[remainder];
  }
  return digits;
}

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

std::string HexEncode(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (std::uint8_t byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

Result<Sha256Digest> HexDecodeDigest(std::string_view hex) {
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256Digest digest{};
  if (hex.size() != digest.size() * 2) {
    return InvalidArgumentError("a SHA-256 digest is 64 hex digits, got " +
                                std::to_string(hex.size()) + " characters");
  }
  for (size_t i = 0; i < digest.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return InvalidArgumentError("a SHA-256 digest holds a non-hex digit");
    digest[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return digest;
}

bool DigestsEqual(const Sha256Digest& a, const Sha256Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<GeneratedKey> GenerateApiKey() {
  std::array<std::uint8_t, 32> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return InternalError("the OS random number generator failed (RAND_bytes)");
  }
  GeneratedKey generated;
  generated.key = std::string(kApiKeyMarker) + Base62Encode(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  generated.prefix = generated.key.substr(kApiKeyMarker.size(), kApiKeyPrefixChars);
  generated.hash_hex = HexEncode(Sha256(generated.key));
  return generated;
}

Result<PresentedKey> ParsePresentedKey(std::string_view text) {
  const bool shaped = text.size() == kApiKeyMarker.size() + kApiKeySecretChars &&
                      text.starts_with(kApiKeyMarker) &&
                      std::all_of(text.begin() + kApiKeyMarker.size(), text.end(), IsBase62);
  if (!shaped) {
    return UnauthenticatedError(
        "malformed API key (expected cit_ followed by 43 letters and digits)");
  }
  PresentedKey presented;
  presented.prefix = std::string(text.substr(kApiKeyMarker.size(), kApiKeyPrefixChars));
  presented.hash = Sha256(text);
  return presented;
}

}  // namespace citadel::security
