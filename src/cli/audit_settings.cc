#include "cli/audit_settings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "security/audit_hash.h"

namespace citadel::cli {
namespace {

// Makes `path` with a fresh key unless it exists (O_EXCL: two processes
// starting together keep one key).
Status MakeKeyFile(const std::string& path) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return OkStatus();
    return UnavailableError("cannot create the audit key file " + path);
  }
  auto key = security::GenerateAuditHmacKey();
  const std::string text = key.ok() ? *key + "\n" : "";
  const bool wrote = key.ok() &&
                     write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                     fsync(fd) == 0;
  close(fd);
  if (!wrote) {
    std::filesystem::remove(path, ignored);
    return key.ok() ? UnavailableError("cannot write the audit key file " + path) : key.status();
  }
  return OkStatus();
}

}  // namespace

Result<AuditConfig> AuditConfigFrom(const server::Settings& settings) {
  AuditConfig config;
  config.enabled = settings.GetBool("audit.enabled");
  config.capture = settings.GetString("audit.capture");
  if (config.capture != "none" && config.capture != "redacted" && config.capture != "full") {
    return InvalidArgumentError("audit.capture '" + config.capture +
                                "' is not none, redacted or full");
  }
  CITADEL_ASSIGN_OR_RETURN(config.chain.hash,
                           security::ParseAuditHash(settings.GetString("audit.hash")));
  config.chain.checkpoint_every = settings.GetInt("audit.checkpoint_every");
  config.signer.algorithm = settings.GetString("audit.signing");
  config.signer.hmac_key = settings.GetString("audit.hmac_key");
  config.signer.hmac_key_file = settings.GetString("audit.hmac_key_file");
  config.signer.ed25519_key_file = settings.GetString("audit.ed25519_key_file");
  config.default_key_file =
      (std::filesystem::path(settings.GetString("store.data_dir")) / "audit-hmac.key").string();
  CITADEL_ASSIGN_OR_RETURN(config.sync, security::ParseAuditSync(settings.GetString("audit.sync")));
  CITADEL_ASSIGN_OR_RETURN(config.on_failure,
                           security::ParseAuditOnFailure(settings.GetString("audit.on_failure")));
  config.retention.retention_days = settings.GetInt("audit.retention_days");
  config.retention.allow_short_retention = settings.GetBool("audit.allow_short_retention");
  config.retention.archive_dir = settings.GetString("audit.archive_dir");
  CITADEL_TRY(security::CheckAuditRetention(config.retention));
  return config;
}

Result<std::unique_ptr<security::AuditSigner>> LoadAuditKey(const AuditConfig& config,
                                                            bool for_signing) {
  security::AuditSignerConfig signer = config.signer;
  const bool hmac = signer.algorithm == "hmac-sha256";
  if (hmac && signer.hmac_key.empty() && signer.hmac_key_file.empty()) {
    signer.hmac_key_file = config.default_key_file;
    if (for_signing) {
      CITADEL_TRY(MakeKeyFile(signer.hmac_key_file));
    } else if (!std::filesystem::exists(signer.hmac_key_file)) {
      return std::unique_ptr<security::AuditSigner>();
    }
  }
  return security::LoadAuditSigner(signer);
}

}  // namespace citadel::cli
