#include "server/tls_context_source.h"

namespace citadel::server {

Result<std::unique_ptr<TlsContextSource>> TlsContextSource::Create(const TlsOptions& options) {
  std::unique_ptr<TlsContextSource> source(new TlsContextSource(options));
  if (options.self_signed) {
    CITADEL_ASSIGN_OR_RETURN(security::TlsContext context,
                             security::TlsContext::SelfSigned(options.files.min_version));
    source->Install(std::move(context));
  } else {
    CITADEL_ASSIGN_OR_RETURN(security::TlsContext context,
                             security::TlsContext::FromFiles(options.files));
    source->Install(std::move(context));
  }
  return source;
}

std::shared_ptr<boost::asio::ssl::context> TlsContextSource::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Status TlsContextSource::Reload() {
  if (options_.self_signed) {
    return FailedPreconditionError("the self-signed certificate has no files to re-read");
  }
  CITADEL_ASSIGN_OR_RETURN(security::TlsContext context,
                           security::TlsContext::FromFiles(options_.files));
  Install(std::move(context));
  return OkStatus();
}

std::string TlsContextSource::Describe() const {
  std::lock_guard lock(mu_);
  return description_;
}

void TlsContextSource::Install(security::TlsContext context) {
  std::string description = "certificate serial " + context.serial_hex() + ", SHA-256 " +
                            context.fingerprint_sha256() +
                            (context.mutual() ? ", client certificates required" : "");
  auto next = std::make_shared<boost::asio::ssl::context>(context.Release());
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  description_ = std::move(description);
}

}  // namespace citadel::server
