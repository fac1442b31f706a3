// TlsContext: one server-side OpenSSL 3 SSL_CTX, configured the way Citadel
// serves HTTPS: TLS 1.3 only by default (1.2 allowed on request), the
// certificate chain and key from PEM files (or a throw-away self-signed
// pair made in memory), ALPN http/1.1, and optional mutual TLS where a
// client without a certificate signed by `client_ca` is refused in the
// handshake.
//
//   TlsSettings settings{.cert_path = "cert.pem", .key_path = "key.pem"};
//   CITADEL_ASSIGN_OR_RETURN(TlsContext tls, TlsContext::FromFiles(settings));
//   boost::asio::ssl::context asio_ctx(tls.Release());   // takes ownership
//
// Failure: InvalidArgument naming the setting (tls.min_version) or the file
// and OpenSSL's reason (unreadable, not PEM, key does not match the
// certificate). OpenSSL's error queue is drained on every path.
//
// Thread-compatible: build on one thread, then hand the SSL_CTX over; an
// SSL_CTX itself is safe to share between connections once built.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX; <openssl/ssl.h> stays out of this header

namespace citadel::security {

enum class TlsVersion { k1_2, k1_3 };

// "1.3" or "1.2"; InvalidArgument naming tls.min_version otherwise.
Result<TlsVersion> ParseTlsVersion(std::string_view text);

struct TlsSettings {
  std::string cert_path;       // PEM chain, leaf first
  std::string key_path;        // PEM private key
  std::string client_ca_path;  // PEM CA bundle; non-empty: mutual TLS
  TlsVersion min_version = TlsVersion::k1_3;
};

class TlsContext {
 public:
  // The context for `settings` (cert and key required).
  static Result<TlsContext> FromFiles(const TlsSettings& settings);
  // A fresh EC P-256 key and a self-signed certificate for localhost and
  // 127.0.0.1 valid for 30 days, never written to disk.
  static Result<TlsContext> SelfSigned(TlsVersion min_version);

  TlsContext(TlsContext&& other) noexcept;
  TlsContext& operator=(TlsContext&& other) noexcept;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  // Hands the SSL_CTX to the caller (who must SSL_CTX_free it; asio's
  // ssl::context does). The TlsContext is empty afterwards.
  ssl_ctx_st* Release();

  // The serving certificate's serial number (upper-case hex) and SHA-256
  // fingerprint (colon-separated hex), for logs and the start-up line.
  const std::string& serial_hex() const { return serial_hex_; }
  const std::string& fingerprint_sha256() const { return fingerprint_sha256_; }
  bool mutual() const { return mutual_; }

 private:
  TlsContext() = default;
  // Fills serial_hex_ and fingerprint_sha256_ from the installed certificate.
  void Describe();

  ssl_ctx_st* ctx_ = nullptr;
  std::string serial_hex_;
  std::string fingerprint_sha256_;
  bool mutual_ = false;
};

}  // namespace citadel::security
