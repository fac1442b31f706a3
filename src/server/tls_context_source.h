// TlsContextSource: the TLS context that new connections take, rebuilt on
// SIGHUP. A connection keeps the context it was accepted with (it holds a
// shared_ptr to it), so a reload never touches open connections: they keep
// their keys and finish their streams; only the next handshake sees the new
// certificate.
//
//   CITADEL_ASSIGN_OR_RETURN(auto source, TlsContextSource::Create(options));
//   auto ctx = source->Current();           // at accept
//   Status reloaded = source->Reload();     // on SIGHUP; keeps the old one on error
//
// Thread-safe: Current and Reload may race; a mutex guards the pointer swap.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "security/tls_context.h"
#include "util/status.h"

namespace citadel::server {

struct TlsOptions {
  bool enabled = false;      // tls.cert and tls.key given, or self_signed
  bool self_signed = false;  // serve --tls-self-signed: a throw-away certificate in memory
  security::TlsSettings files;
};

class TlsContextSource {
 public:
  // InvalidArgument naming the setting or file when the context cannot be built.
  static Result<std::unique_ptr<TlsContextSource>> Create(const TlsOptions& options);

  std::shared_ptr<boost::asio::ssl::context> Current() const;
  // Re-reads tls.cert, tls.key and tls.client_ca. On failure the current
  // context stays in use and the Status says why. A self-signed source has
  // nothing to re-read (FailedPrecondition).
  Status Reload();
  // "certificate serial ..., SHA-256 ..." of the current context.
  std::string Describe() const;

 private:
  explicit TlsContextSource(TlsOptions options) : options_(std::move(options)) {}
  void Install(security::TlsContext context);

  const TlsOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // guarded by mu_
  std::string description_;                             // guarded by mu_
};

}  // namespace citadel::server
