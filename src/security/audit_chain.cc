#include "security/audit_chain.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace citadel::security {
namespace {

constexpr std::string_view kCheckpointHeader = "citadel-audit-checkpoint 1";

Result<std::string> TailDigest(AuditHash hash, const store::AuditTail& tail) {
  if (tail.seq == 0) return GenesisDigest(hash);
  return AuditDigest(hash, tail.body);
}

}  // namespace

std::string CheckpointBytes(const AuditCheckpoint& checkpoint) {
  std::string out(kCheckpointHeader);
  out += "\nseq=" + std::to_string(checkpoint.seq);
  out += "\nrecord=" + checkpoint.record;
  out += "\ntime_ms=" + std::to_string(checkpoint.time_ms);
  out += "\nreason=" + EscapeAuditText(checkpoint.reason) + "\n";
  return out;
}

Result<AuditCheckpoint> ParseCheckpoint(std::string_view text) {
  // Each field is one line; the simplest strict parser is to split, fill, and
  // demand that the canonical form of the result is the text itself.
  std::array<std::string_view, 5> lines;
  for (std::string_view& line : lines) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return InvalidArgumentError("checkpoint: too short");
    line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
  }
  const auto value = [](std::string_view line, std::string_view name) -> std::string_view {
    return line.starts_with(name) ? line.substr(name.size()) : std::string_view();
  };
  const auto number = [](std::string_view digits) -> std::int64_t {
    std::int64_t n = -1;
    std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return n;
  };
  AuditCheckpoint checkpoint;
  checkpoint.seq = number(value(lines[1], "seq="));
  checkpoint.record = std::string(value(lines[2], "record="));
  checkpoint.time_ms = number(value(lines[3], "time_ms="));
  checkpoint.reason = std::string(value(lines[4], "reason="));
  const std::string original = std::string(lines[0]) + "\n" + std::string(lines[1]) + "\n" +
                               std::string(lines[2]) + "\n" + std::string(lines[3]) + "\n" +
                               std::string(lines[4]) + "\n";
  if (!text.empty() || lines[0] != kCheckpointHeader || checkpoint.seq < 0 ||
      !DigestAlgorithm(checkpoint.record).ok() || CheckpointBytes(checkpoint) != original) {
    return InvalidArgumentError("checkpoint: not the canonical checkpoint form");
  }
  return checkpoint;
}

store::AuditRow RowFor(const AuditRecord& record) {
  return {record.seq,  record.time_ms, std::string(AuditKindName(record.kind)),
          record.user, record.key_id,  CanonicalBytes(record)};
}

Result<store::AuditCheckpointRow> AuditChain::SignedCheckpoint(std::int64_t seq,
                                                               std::string record_digest,
                                                               std::string_view reason) const {
  AuditCheckpoint checkpoint{seq, std::move(record_digest), clock_.UnixMillis(),
                             std::string(reason)};
  store::AuditCheckpointRow row;
  row.seq = seq;
  row.time_ms = checkpoint.time_ms;
  row.body = CheckpointBytes(checkpoint);
  CITADEL_ASSIGN_OR_RETURN(row.signature, signer_.Sign(row.body));
  return row;
}

Result<std::int64_t> AuditChain::Append(std::span<const AuditRecord> records) {
  return store_.AppendAudit([&](const store::AuditTail& tail) -> Result<store::AuditBatch> {
    store::AuditBatch batch;
    CITADEL_ASSIGN_OR_RETURN(std::string prev, TailDigest(options_.hash, tail));
    std::int64_t seq = tail.seq;
    batch.records.reserve(records.size());
    for (const AuditRecord& given : records) {
      AuditRecord record = given;
      record.seq = ++seq;
      record.prev = std::move(prev);
      batch.records.push_back(RowFor(record));
      CITADEL_ASSIGN_OR_RETURN(prev, AuditDigest(options_.hash, batch.records.back().body));
    }
    const std::int64_t every = std::max<std::int64_t>(options_.checkpoint_every, 1);
    if (seq / every > tail.seq / every) {
      CITADEL_ASSIGN_OR_RETURN(auto checkpoint, SignedCheckpoint(seq, prev, "periodic"));
      batch.checkpoints.push_back(std::move(checkpoint));
    }
    return batch;
  });
}

Result<store::AuditCheckpointRow> AuditChain::Seal(const store::AuditRow& row, AuditHash hash,
                                                   std::string_view reason) {
  CITADEL_ASSIGN_OR_RETURN(std::string digest, AuditDigest(hash, row.body));
  CITADEL_ASSIGN_OR_RETURN(store::AuditCheckpointRow checkpoint,
                           SignedCheckpoint(row.seq, std::move(digest), reason));
  CITADEL_TRY(store_
                  .AppendAudit([&](const store::AuditTail&) -> Result<store::AuditBatch> {
                    return store::AuditBatch{{}, {checkpoint}};
                  })
                  .status());
  return checkpoint;
}

Result<std::int64_t> AuditChain::Checkpoint(std::string_view reason) {
  return store_.AppendAudit([&](const store::AuditTail& tail) -> Result<store::AuditBatch> {
    store::AuditBatch batch;
    if (tail.seq == 0) return batch;
    CITADEL_ASSIGN_OR_RETURN(std::string digest, TailDigest(options_.hash, tail));
    CITADEL_ASSIGN_OR_RETURN(auto checkpoint, SignedCheckpoint(tail.seq, digest, reason));
    batch.checkpoints.push_back(std::move(checkpoint));
    return batch;
  });
}

}  // namespace citadel::security
