#include "server/audit_setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "security/audit_hash.h"
#include "server/request_log.h"

namespace citadel::server {
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

void LogEvent(const std::string& level, const std::string& event, const std::string& message) {
  const std::string line = EventLogLine(level, event, message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

Result<AuditConfig> AuditConfigFrom(const Settings& settings) {
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

Result<std::unique_ptr<AuditService>> AuditService::Start(const AuditConfig& config,
                                                          store::Store& store, const Clock& clock) {
  std::unique_ptr<AuditService> service(new AuditService(config, store));
  CITADEL_ASSIGN_OR_RETURN(service->signer_, LoadAuditKey(config, true));
  if (config.capture == "redacted") {
    CITADEL_ASSIGN_OR_RETURN(auto scanner, security::PiiScanner::Create({}));
    service->scanner_ = std::make_unique<security::PiiScanner>(std::move(scanner));
    CITADEL_ASSIGN_OR_RETURN(
        auto redactor,
        security::PiiRedactor::Create(*service->scanner_, security::RedactionMode::kMask));
    service->redactor_ = std::make_unique<security::PiiRedactor>(std::move(redactor));
  }
  if (config.capture == "full") {
    LogEvent("warn", "audit_capture_full",
             "audit.capture = full: prompts and answers are kept verbatim in the audit trail");
  }
  if (config.retention.retention_days < security::kMinAuditRetentionDays) {
    LogEvent("warn", "audit_short_retention",
             "audit.retention_days = " + std::to_string(config.retention.retention_days) +
                 " is below 180 (allowed by audit.allow_short_retention)");
  }
  service->chain_ =
      std::make_unique<security::AuditChain>(store, *service->signer_, clock, config.chain);
  security::AuditWriterOptions options;
  options.sync = config.sync;
  options.on_failure = config.on_failure;
  options.alarm = [](const Status& status) {
    LogEvent("error", "audit_write_failed", status.ToString());
  };
  service->writer_ = std::make_unique<security::AuditWriter>(*service->chain_, options);
  service->purger_ = std::thread([raw = service.get()] { raw->PurgeDaily(); });
  return service;
}

AuditService::~AuditService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (purger_.joinable()) purger_.join();
  if (writer_) {
    const Status closed = writer_->Close();
    if (!closed.ok()) LogEvent("error", "audit_close_failed", closed.ToString());
  }
}

std::string AuditService::Capture(std::string_view text) const {
  if (config_.capture == "full") return std::string(text);
  if (redactor_) return redactor_->Redact(text);
  return "";
}

void AuditService::PurgeDaily() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto purged = security::PurgeAudit(store_, *chain_, config_.retention, "system");
    if (!purged.ok()) {
      LogEvent("error", "audit_purge_failed", purged.status().ToString());
    } else if (purged->purged > 0) {
      LogEvent("info", "audit_purged",
               std::to_string(purged->purged) + " records (seq " +
                   std::to_string(purged->first_seq) + ".." + std::to_string(purged->through_seq) +
                   ")" + (purged->archive_path.empty() ? "" : ", archive " + purged->archive_path));
    }
    lock.lock();
    stop_signal_.wait_for(lock, std::chrono::hours(24), [this] { return stopping_; });
  }
}

}  // namespace citadel::server
