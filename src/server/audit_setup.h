// The audit.* settings as typed values, and the checkpoint key they name;
// shared by `citadel serve` and `citadel audit`.
//
// The HMAC key comes from audit.hmac_key (env CITADEL_AUDIT_HMAC_KEY), else
// audit.hmac_key_file, else DATA_DIR/audit-hmac.key, which is made (32
// random bytes, mode 0600) the first time it is needed to sign. Replicas on
// one PostgreSQL database must share one key (set audit.hmac_key_file).
//
// AuditService is what `serve` runs for the trail: the key, the chain, the
// writer thread, the redactor for audit.capture = redacted and the daily
// retention purge. Thread-safe: writer() and Capture() from any thread; the
// rest at start-up and shutdown on the main thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "security/audit_chain.h"
#include "security/audit_retention.h"
#include "security/audit_signer.h"
#include "security/audit_writer.h"
#include "security/pii_redactor.h"
#include "security/pii_scanner.h"
#include "server/config.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace citadel::server {

struct AuditConfig {
  bool enabled = true;
  std::string capture = "none";  // none, redacted, full
  security::AuditChainOptions chain;
  security::AuditSignerConfig signer;
  std::string default_key_file;  // DATA_DIR/audit-hmac.key
  security::AuditSync sync = security::AuditSync::kBatch;
  security::AuditOnFailure on_failure = security::AuditOnFailure::kBlock;
  security::AuditRetentionOptions retention;
};

// InvalidArgument naming the setting for a bad value; short retention
// without consent is refused here too.
Result<AuditConfig> AuditConfigFrom(const Settings& settings);

// The checkpoint key. `for_signing`: make the default key file when no key
// is configured. Otherwise (verifying) nullptr when there is no key at all.
Result<std::unique_ptr<security::AuditSigner>> LoadAuditKey(const AuditConfig& config,
                                                            bool for_signing);

class AuditService {
 public:
  // Loads (or makes) the key, starts the writer and the purge thread; logs
  // when audit.capture = full or the retention is below 180 days.
  static Result<std::unique_ptr<AuditService>> Start(const AuditConfig& config, store::Store& store,
                                                     const Clock& clock);
  // Stops the purge, drains the writer and writes the shutdown checkpoint.
  ~AuditService();
  AuditService(const AuditService&) = delete;
  AuditService& operator=(const AuditService&) = delete;

  security::AuditWriter& writer() { return *writer_; }
  const AuditConfig& config() const { return config_; }
  // `text` as audit.capture keeps it: "" (none), redacted, or as is (full).
  std::string Capture(std::string_view text) const;

 private:
  AuditService(const AuditConfig& config, store::Store& store) : config_(config), store_(store) {}
  void PurgeDaily();

  const AuditConfig config_;
  store::Store& store_;
  std::unique_ptr<security::AuditSigner> signer_;
  std::unique_ptr<security::AuditChain> chain_;
  std::unique_ptr<security::AuditWriter> writer_;
  std::unique_ptr<security::PiiScanner> scanner_;  // the redactor borrows it
  std::unique_ptr<security::PiiRedactor> redactor_;
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread purger_;
};

}  // namespace citadel::server
