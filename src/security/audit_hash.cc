#include "security/audit_hash.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace citadel::security {
namespace {

constexpr size_t kDigestHexChars = 64;  // both algorithms give 32 bytes

std::string Hex(const unsigned char* bytes, unsigned int size) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string_view AuditHashName(AuditHash hash) {
  return hash == AuditHash::kSm3 ? "sm3" : "sha256";
}

Result<AuditHash> ParseAuditHash(std::string_view name) {
  if (name == "sha256") return AuditHash::kSha256;
  if (name == "sm3") return AuditHash::kSm3;
  return InvalidArgumentError("audit hash '" + std::string(name) + "' is not sha256 or sm3");
}

Result<std::string> AuditDigest(AuditHash hash, std::string_view bytes) {
  // EVP_MD_fetch finds SM3 in OpenSSL 3's default provider.
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(
      EVP_MD_fetch(nullptr, hash == AuditHash::kSm3 ? "SM3" : "SHA256", nullptr), &EVP_MD_free);
  if (md == nullptr) {
    return UnimplementedError("this OpenSSL has no " + std::string(AuditHashName(hash)) +
                              " digest");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, md.get(), nullptr) != 1 ||
      size * 2 != kDigestHexChars) {
    return InternalError("OpenSSL " + std::string(AuditHashName(hash)) + " digest failed");
  }
  return std::string(AuditHashName(hash)) + ":" + Hex(out.data(), size);
}

std::string GenesisDigest(AuditHash hash) {
  return std::string(AuditHashName(hash)) + ":" + std::string(kDigestHexChars, '0');
}

Result<AuditHash> DigestAlgorithm(std::string_view digest) {
  const size_t colon = digest.find(':');
  const auto bad = [&] {
    return InvalidArgumentError("'" + std::string(digest.substr(0, 80)) +
                                "' is not an audit digest (sha256:<hex> or sm3:<hex>)");
  };
  if (colon == std::string_view::npos) return bad();
  auto hash = ParseAuditHash(digest.substr(0, colon));
  const std::string_view hex = digest.substr(colon + 1);
  if (!hash.ok() || hex.size() != kDigestHexChars ||
      hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return bad();
  }
  return *hash;
}

}  // namespace citadel::security
