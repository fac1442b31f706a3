// AuditChain: appends audit records to the store as a hash chain and seals
// it with signed checkpoints.
//
// Record k carries `prev` = digest of record k-1's canonical bytes (record 1:
// the genesis digest, all zeros). Every `checkpoint_every` records, and on
// Checkpoint() (shutdown, before a purge), a checkpoint names the last
// record's seq and digest and is signed (AuditSigner). A checkpoint proves
// the chain up to it; records after the newest checkpoint are protected by
// the chain alone (so an edit of the very last record, or records appended
// after it by someone holding the database, show only at the next
// checkpoint), which is why shutdown writes one.
//
// Checkpoint canonical form (version 1):
//   citadel-audit-checkpoint 1\nseq=N\nrecord=<digest>\ntime_ms=T\nreason=R\n
//
// Thread-safe: it holds only references and options; the store serialises
// appends (one transaction reads the tail and inserts after it, even across
// processes), so two chains on one database interleave correctly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "security/audit_hash.h"
#include "security/audit_record.h"
#include "security/audit_signer.h"
#include "store/store.h"
#include "util/clock.h"

namespace citadel::security {

struct AuditCheckpoint {
  std::int64_t seq = 0;
  std::string record;  // digest of record `seq`'s canonical bytes
  std::int64_t time_ms = 0;
  std::string reason;  // "periodic", "shutdown", "purge"
};

std::string CheckpointBytes(const AuditCheckpoint& checkpoint);
// InvalidArgument for anything CheckpointBytes does not produce.
Result<AuditCheckpoint> ParseCheckpoint(std::string_view text);

// The row the store keeps for `record` (seq and prev already set).
store::AuditRow RowFor(const AuditRecord& record);

struct AuditChainOptions {
  AuditHash hash = AuditHash::kSha256;
  std::int64_t checkpoint_every = 1000;  // records between periodic checkpoints (>= 1)
};

class AuditChain {
 public:
  // All three must outlive the chain.
  AuditChain(store::Store& store, const AuditSigner& signer, const Clock& clock,
             AuditChainOptions options)
      : store_(store), signer_(signer), clock_(clock), options_(options) {}

  // Appends `records` (their seq and prev are assigned here) in one
  // transaction, with a periodic checkpoint when the batch reaches a
  // multiple of checkpoint_every. Returns the seq of the last one (the
  // tail's when `records` is empty). The store's or signer's error otherwise;
  // then nothing was written.
  Result<std::int64_t> Append(std::span<const AuditRecord> records);

  // Signs a checkpoint over the current tail; returns its seq (0: the log is
  // empty and nothing was written).
  Result<std::int64_t> Checkpoint(std::string_view reason);

  // Signs and stores a checkpoint over a stored record other than the tail
  // (a purge seals the last record it removes), its digest taken with
  // `hash`; returns the row written.
  Result<store::AuditCheckpointRow> Seal(const store::AuditRow& row, AuditHash hash,
                                         std::string_view reason);

  const AuditSigner& signer() const { return signer_; }
  const Clock& clock() const { return clock_; }

 private:
  Result<store::AuditCheckpointRow> SignedCheckpoint(std::int64_t seq, std::string record_digest,
                                                     std::string_view reason) const;

  store::Store& store_;
  const AuditSigner& signer_;
  const Clock& clock_;
  const AuditChainOptions options_;
};

}  // namespace citadel::security
