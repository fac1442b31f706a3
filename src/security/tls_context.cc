#include "security/tls_context.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <utility>

namespace citadel::security {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using CtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// OpenSSL's first queued reason ("no such file", "key values mismatch"),
// with the queue drained so that the next call starts clean.
std::string OpenSslReason() {
  std::string reason;
  while (const unsigned long code = ERR_get_error()) {
    if (!reason.empty()) continue;
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason = text;
  }
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

Status TlsError(const std::string& what) {
  return InvalidArgumentError(what + ": " + OpenSslReason());
}

// Picks http/1.1 when the client offers it; otherwise the handshake goes on
// without ALPN (curl and browsers then speak HTTP/1.1 anyway).
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
               unsigned int in_len, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof(kHttp11), in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Result<CtxPtr> NewServerContext(TlsVersion min_version) {
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return TlsError("cannot create a TLS context");
  const int version = min_version == TlsVersion::k1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx.get(), version) != 1) {
    return TlsError("cannot set tls.min_version");
  }
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_alpn_select_cb(ctx.get(), SelectAlpn, nullptr);
  return ctx;
}

// Requires every client to present a certificate that chains to the CAs in
// `ca_path`; the handshake fails otherwise.
Status RequireClientCertificates(SSL_CTX* ctx, const std::string& ca_path) {
  if (SSL_CTX_load_verify_locations(ctx, ca_path.c_str(), nullptr) != 1) {
    return TlsError("tls.client_ca '" + ca_path + "'");
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_path.c_str());
  if (names == nullptr) return TlsError("tls.client_ca '" + ca_path + "' names no CA");
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Session resumption with client certificates needs an id context.
  static const unsigned char kSessionContext[] = "citadel";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  return OkStatus();
}

std::string HexBytes(const unsigned char* bytes, unsigned int size) {
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof(pair), i == 0 ? "%02X" : ":%02X", bytes[i]);
    hex += pair;
  }
  return hex;
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return TlsError("cannot add a certificate extension");
  }
  return OkStatus();
}

// A 30-day self-signed certificate for `key`: CN=localhost, SAN localhost,
// 127.0.0.1 and ::1, a random 128-bit serial.
Result<X509Ptr> MakeSelfSignedCertificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  BnPtr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return TlsError("cannot build a self-signed certificate");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>("localhost");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return TlsError("cannot name the self-signed certificate");
  }
  CITADEL_TRY(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  CITADEL_TRY(AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"));
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    return TlsError("cannot sign the self-signed certificate");
  }
  return cert;
}

}  // namespace

Result<TlsVersion> ParseTlsVersion(std::string_view text) {
  if (text == "1.3") return TlsVersion::k1_3;
  if (text == "1.2") return TlsVersion::k1_2;
  return InvalidArgumentError("setting tls.min_version: '" + std::string(text) +
                              "' is not 1.3 or 1.2");
}

Result<TlsContext> TlsContext::FromFiles(const TlsSettings& settings) {
  if (settings.cert_path.empty() || settings.key_path.empty()) {
    return InvalidArgumentError("TLS needs both tls.cert and tls.key");
  }
  CITADEL_ASSIGN_OR_RETURN(CtxPtr ctx, NewServerContext(settings.min_version));
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), settings.cert_path.c_str()) != 1) {
    return TlsError("tls.cert '" + settings.cert_path + "'");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), settings.key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return TlsError("tls.key '" + settings.key_path + "'");
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return TlsError("tls.key '" + settings.key_path + "' does not match tls.cert");
  }
  TlsContext tls;
  if (!settings.client_ca_path.empty()) {
    CITADEL_TRY(RequireClientCertificates(ctx.get(), settings.client_ca_path));
    tls.mutual_ = true;
  }
  tls.ctx_ = ctx.release();
  tls.Describe();
  return tls;
}

Result<TlsContext> TlsContext::SelfSigned(TlsVersion min_version) {
  CITADEL_ASSIGN_OR_RETURN(CtxPtr ctx, NewServerContext(min_version));
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return TlsError("cannot generate a P-256 key");
  CITADEL_ASSIGN_OR_RETURN(X509Ptr cert, MakeSelfSignedCertificate(key.get()));
  if (SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) {
    return TlsError("cannot install the self-signed certificate");
  }
  TlsContext tls;
  tls.ctx_ = ctx.release();
  tls.Describe();
  return tls;
}

void TlsContext::Describe() {
  X509* cert = SSL_CTX_get0_certificate(ctx_);
  if (cert == nullptr) return;
  BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    char* hex = BN_bn2hex(serial.get());
    if (hex != nullptr) serial_hex_ = hex;
    OPENSSL_free(hex);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &size) == 1) {
    fingerprint_sha256_ = HexBytes(digest, size);
  }
  ERR_clear_error();
}

TlsContext::TlsContext(TlsContext&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      serial_hex_(std::move(other.serial_hex_)),
      fingerprint_sha256_(std::move(other.fingerprint_sha256_)),
      mutual_(other.mutual_) {}

TlsContext& TlsContext::operator=(TlsContext&& other) noexcept {
  if (this != &other) {
    SSL_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    serial_hex_ = std::move(other.serial_hex_);
    fingerprint_sha256_ = std::move(other.fingerprint_sha256_);
    mutual_ = other.mutual_;
  }
  return *this;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

ssl_ctx_st* TlsContext::Release() {
  return std::exchange(ctx_, nullptr);
}

}  // namespace citadel::security
