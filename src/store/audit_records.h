// Audit rows as the store keeps them: the store knows nothing of hashing or
// signing (security/audit_chain.h does that); it keeps each record's
// canonical text byte for byte, in sequence order, with a few columns copied
// out of it for range and filter queries, and the signed checkpoints.
//
//   audit_records(seq PK, time_ms, kind, user_name, key_id, body)
//   audit_checkpoints(id PK, seq, time_ms, body, signature)
//
// Appending runs a caller's builder inside the write transaction, given the
// last stored record, so the chain links to the true tail even when several
// processes (replicas on one PostgreSQL database) append at once: the
// transaction holds SQLite's write lock or a PostgreSQL advisory lock.
//
// Plain value types and free functions over an SqlDatabase; thread-safe as
// the SqlDatabase is.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "store/sql_database.h"
#include "util/status.h"

namespace citadel::store {

struct AuditRow {
  std::int64_t seq = 0;      // 1, 2, 3, ... assigned by the chain
  std::int64_t time_ms = 0;  // Unix milliseconds (UTC)
  std::string kind;          // "request", "admin", ...
  std::string user_name;     // empty: none
  std::optional<std::int64_t> key_id;
  std::string body;  // the canonical text; the chain hashes exactly these bytes
};

struct AuditCheckpointRow {
  std::int64_t id = 0;   // assigned by the store
  std::int64_t seq = 0;  // the last record it covers
  std::int64_t time_ms = 0;
  std::string body;       // canonical checkpoint text
  std::string signature;  // over `body`
};

// The newest stored record; seq 0 and empty body when there is none.
struct AuditTail {
  std::int64_t seq = 0;
  std::int64_t time_ms = 0;
  std::string body;
};

// What one append writes, all in one transaction.
struct AuditBatch {
  std::vector<AuditRow> records;  // seq tail.seq + 1, + 2, ...
  std::vector<AuditCheckpointRow> checkpoints;
};
using AuditBuilder = std::function<Result<AuditBatch>(const AuditTail& tail)>;

struct AuditQuery {
  std::int64_t from_seq = 1;
  std::int64_t to_seq = std::numeric_limits<std::int64_t>::max();
  std::int64_t from_time_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t to_time_ms = std::numeric_limits<std::int64_t>::max();  // inclusive
  std::optional<std::string> user_name;
  std::optional<std::int64_t> key_id;
  std::int64_t limit = 0;     // 0: no limit
  bool newest_first = false;  // by seq
};

// Runs `build` on the current tail and inserts what it returns. InvalidArgument
// when the batch's sequence numbers do not continue the tail; the builder's
// error otherwise (nothing is written). Returns the new tail's seq.
Result<std::int64_t> AppendAudit(SqlDatabase& db, const AuditBuilder& build);
Result<std::vector<AuditRow>> ReadAudit(SqlDatabase& db, const AuditQuery& query);
// Checkpoints whose seq lies in [from_seq, to_seq], by seq then id.
Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(SqlDatabase& db, std::int64_t from_seq,
                                                             std::int64_t to_seq);
// Deletes records with seq <= through_seq and checkpoints with seq <
// through_seq (the one at through_seq anchors what remains). Returns the
// number of records deleted.
Result<std::int64_t> DeleteAudit(SqlDatabase& db, std::int64_t through_seq);

}  // namespace citadel::store
