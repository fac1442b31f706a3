#include "security/audit_signer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>
#include <fstream>
#include <sstream>
#include <vector>

#include "security/api_key.h"

namespace citadel::security {
namespace {

constexpr size_t kMinHmacKeyBytes = 32;
constexpr size_t kKeyIdHexChars = 16;

std::string Hex(const unsigned char* bytes, size_t size) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

std::string KeyId(std::string_view material) {
  return HexEncode(Sha256(material)).substr(0, kKeyIdHexChars);
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read audit key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Splits "<algorithm>:<key id>:<hex>" and checks the first two against ours.
Result<std::string_view> SignatureHex(std::string_view signature, std::string_view algorithm,
                                      const std::string& key_id) {
  const size_t first = signature.find(':');
  const size_t second = first == std::string_view::npos ? first : signature.find(':', first + 1);
  if (second == std::string_view::npos) {
    return DataLossError("checkpoint signature is not <algorithm>:<key id>:<hex>");
  }
  const std::string_view their_algorithm = signature.substr(0, first);
  const std::string_view their_key = signature.substr(first + 1, second - first - 1);
  if (their_algorithm != algorithm || their_key != key_id) {
    return FailedPreconditionError("checkpoint was signed with " + std::string(their_algorithm) +
                                   " key " + std::string(their_key) + ", not " +
                                   std::string(algorithm) + " key " + key_id);
  }
  return signature.substr(second + 1);
}

class HmacSigner final : public AuditSigner {
 public:
  explicit HmacSigner(std::string key) : key_(std::move(key)), key_id_(KeyId(key_)) {}
  std::string_view algorithm() const override { return "hmac-sha256"; }
  const std::string& key_id() const override { return key_id_; }

  Result<std::string> Sign(std::string_view message) const override {
    return std::string(algorithm()) + ":" + key_id_ + ":" + Mac(message);
  }

  Status Verify(std::string_view message, std::string_view signature) const override {
    CITADEL_ASSIGN_OR_RETURN(const std::string_view hex,
                             SignatureHex(signature, algorithm(), key_id_));
    const std::string expected = Mac(message);
    if (hex.size() != expected.size() ||
        CRYPTO_memcmp(hex.data(), expected.data(), expected.size()) != 0) {
      return DataLossError("checkpoint HMAC does not match its content");
    }
    return OkStatus();
  }

 private:
  std::string Mac(std::string_view message) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &size);
    return Hex(out.data(), size);
  }

  const std::string key_;
  const std::string key_id_;
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

class Ed25519Signer final : public AuditSigner {
 public:
  Ed25519Signer(PkeyPtr key, bool can_sign, std::string key_id)
      : key_(std::move(key)), can_sign_(can_sign), key_id_(std::move(key_id)) {}
  std::string_view algorithm() const override { return "ed25519"; }
  const std::string& key_id() const override { return key_id_; }

  Result<std::string> Sign(std::string_view message) const override {
    if (!can_sign_) {
      return FailedPreconditionError("the Ed25519 audit key is a public key; it cannot sign");
    }
    MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::array<unsigned char, 64> out{};
    size_t size = out.size();
    if (ctx == nullptr ||
        EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), out.data(), &size,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1) {
      return InternalError("OpenSSL Ed25519 signing failed");
    }
    return std::string(algorithm()) + ":" + key_id_ + ":" + Hex(out.data(), size);
  }

  Status Verify(std::string_view message, std::string_view signature) const override {
    CITADEL_ASSIGN_OR_RETURN(const std::string_view hex,
                             SignatureHex(signature, algorithm(), key_id_));
    const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    if (hex.size() != 128 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      return DataLossError("checkpoint Ed25519 signature is not 128 hex digits");
    }
    std::array<unsigned char, 64> bytes{};
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<unsigned char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
    }
    MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (ctx == nullptr ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestVerify(ctx.get(), bytes.data(), bytes.size(),
                         reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) != 1) {
      return DataLossError("checkpoint Ed25519 signature does not match its content");
    }
    return OkStatus();
  }

 private:
  const PkeyPtr key_;
  const bool can_sign_;
  const std::string key_id_;
};

Result<std::unique_ptr<AuditSigner>> LoadEd25519(const std::string& path) {
  if (path.empty()) {
    return FailedPreconditionError("audit.signing = ed25519 needs audit.ed25519_key_file");
  }
  CITADEL_ASSIGN_OR_RETURN(const std::string pem, ReadFile(path));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  bool can_sign = key != nullptr;
  if (key == nullptr) {
    (void)BIO_reset(bio.get());
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  }
  if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return InvalidArgumentError("audit key file " + path + " holds no Ed25519 PEM key");
  }
  std::array<unsigned char, 32> raw{};
  size_t raw_size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &raw_size) != 1) {
    return InternalError("cannot read the Ed25519 public key of " + path);
  }
  std::string id = KeyId(std::string_view(reinterpret_cast<const char*>(raw.data()), raw_size));
  return std::unique_ptr<AuditSigner>(new Ed25519Signer(std::move(key), can_sign, std::move(id)));
}

}  // namespace

Result<std::unique_ptr<AuditSigner>> LoadAuditSigner(const AuditSignerConfig& config) {
  if (config.algorithm == "ed25519") return LoadEd25519(config.ed25519_key_file);
  if (config.algorithm != "hmac-sha256") {
    return InvalidArgumentError("audit signing '" + config.algorithm +
                                "' is not hmac-sha256 or ed25519");
  }
  std::string key = config.hmac_key;
  if (key.empty() && !config.hmac_key_file.empty()) {
    CITADEL_ASSIGN_OR_RETURN(key, ReadFile(config.hmac_key_file));
  }
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
    key.pop_back();
  }
  if (key.empty()) {
    return FailedPreconditionError(
        "no audit HMAC key: set audit.hmac_key_file or CITADEL_AUDIT_HMAC_KEY");
  }
  if (key.size() < kMinHmacKeyBytes) {
    return InvalidArgumentError("the audit HMAC key has " + std::to_string(key.size()) +
                                " bytes; at least 32 are needed");
  }
  return std::unique_ptr<AuditSigner>(new HmacSigner(std::move(key)));
}

Result<std::string> GenerateAuditHmacKey() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return InternalError("the OS random source failed");
  }
  return Hex(bytes.data(), bytes.size());
}

}  // namespace citadel::security
