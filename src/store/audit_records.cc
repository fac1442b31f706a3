#include "store/audit_records.h"

#include <array>

#include "store/text_rules.h"

namespace citadel::store {
namespace {

constexpr size_t kMaxBodyBytes = 64 << 20;
// PostgreSQL: appenders on every replica take this lock for their transaction.
constexpr std::int64_t kAuditAppendLock = 7343105;

constexpr std::string_view kRecordColumns =
    "SELECT seq, time_ms, kind, user_name, key_id, body FROM audit_records";

AuditRow RowFrom(const SqlRow& row) {
  return {AsInt(row[0]),  AsInt(row[1]),         AsText(row[2]),
          AsText(row[3]), AsOptionalInt(row[4]), AsText(row[5])};
}

Status CheckRow(const AuditRow& row) {
  CITADEL_TRY(CheckText("audit record kind", row.kind, TextKind::kIdentifier, 64, false));
  CITADEL_TRY(CheckText("audit record user", row.user_name, TextKind::kFreeText, 1024));
  return CheckText("audit record body", row.body, TextKind::kFreeText, kMaxBodyBytes, false);
}

Result<AuditTail> ReadTail(SqlSession& session) {
  CITADEL_ASSIGN_OR_RETURN(
      auto rows,
      session.Query("SELECT seq, time_ms, body FROM audit_records ORDER BY seq DESC LIMIT 1"));
  if (rows.empty()) return AuditTail{};
  return AuditTail{AsInt(rows[0][0]), AsInt(rows[0][1]), AsText(rows[0][2])};
}

Status InsertBatch(SqlSession& session, const AuditTail& tail, const AuditBatch& batch) {
  std::int64_t expected = tail.seq + 1;
  for (const AuditRow& row : batch.records) {
    if (row.seq != expected) {
      return InvalidArgumentError("audit record seq " + std::to_string(row.seq) +
                                  " does not continue the tail (expected " +
                                  std::to_string(expected) + ")");
    }
    CITADEL_TRY(CheckRow(row));
    const std::array<SqlValue, 6> params{
        row.seq, row.time_ms, row.kind, row.user_name, OptionalInt(row.key_id), row.body};
    CITADEL_TRY(session
                    .Execute("INSERT INTO audit_records (seq, time_ms, kind, user_name, key_id,"
                             " body) VALUES (?, ?, ?, ?, ?, ?)",
                             params)
                    .status());
    ++expected;
  }
  for (const AuditCheckpointRow& checkpoint : batch.checkpoints) {
    CITADEL_TRY(
        CheckText("audit checkpoint", checkpoint.body, TextKind::kFreeText, 1 << 16, false));
    CITADEL_TRY(CheckText("audit checkpoint signature", checkpoint.signature, TextKind::kIdentifier,
                          1 << 12, false));
    const std::array<SqlValue, 4> params{checkpoint.seq, checkpoint.time_ms, checkpoint.body,
                                         checkpoint.signature};
    CITADEL_TRY(session
                    .Execute("INSERT INTO audit_checkpoints (seq, time_ms, body, signature)"
                             " VALUES (?, ?, ?, ?)",
                             params)
                    .status());
  }
  return OkStatus();
}

}  // namespace

Result<std::int64_t> AppendAudit(SqlDatabase& db, const AuditBuilder& build) {
  std::int64_t new_tail = 0;
  CITADEL_TRY(db.Transact([&](SqlSession& session) -> Status {
    if (db.dialect() == SqlDialect::kPostgres) {
      const std::array<SqlValue, 1> lock{kAuditAppendLock};
      CITADEL_TRY(session.Query("SELECT pg_advisory_xact_lock(?)", lock).status());
    }
    CITADEL_ASSIGN_OR_RETURN(const AuditTail tail, ReadTail(session));
    CITADEL_ASSIGN_OR_RETURN(const AuditBatch batch, build(tail));
    CITADEL_TRY(InsertBatch(session, tail, batch));
    new_tail = tail.seq + static_cast<std::int64_t>(batch.records.size());
    return OkStatus();
  }));
  return new_tail;
}

Result<std::vector<AuditRow>> ReadAudit(SqlDatabase& db, const AuditQuery& query) {
  std::string sql(kRecordColumns);
  sql += " WHERE seq >= ? AND seq <= ? AND time_ms >= ? AND time_ms <= ?";
  std::vector<SqlValue> params{query.from_seq, query.to_seq, query.from_time_ms, query.to_time_ms};
  if (query.user_name) {
    sql += " AND user_name = ?";
    params.emplace_back(*query.user_name);
  }
  if (query.key_id) {
    sql += " AND key_id = ?";
    params.emplace_back(*query.key_id);
  }
  sql += query.newest_first ? " ORDER BY seq DESC" : " ORDER BY seq";
  if (query.limit > 0) {
    sql += " LIMIT ?";
    params.emplace_back(query.limit);
  }
  std::vector<AuditRow> rows;
  CITADEL_TRY(db.Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto found, session.Query(sql, params));
    rows.reserve(found.size());
    for (const SqlRow& row : found) rows.push_back(RowFrom(row));
    return OkStatus();
  }));
  return rows;
}

Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(SqlDatabase& db, std::int64_t from_seq,
                                                             std::int64_t to_seq) {
  std::vector<AuditCheckpointRow> checkpoints;
  const std::array<SqlValue, 2> params{from_seq, to_seq};
  CITADEL_TRY(db.Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows, session.Query("SELECT id, seq, time_ms, body, signature FROM audit_checkpoints"
                                 " WHERE seq >= ? AND seq <= ? ORDER BY seq, id",
                                 params));
    for (const SqlRow& row : rows) {
      checkpoints.push_back(
          {AsInt(row[0]), AsInt(row[1]), AsInt(row[2]), AsText(row[3]), AsText(row[4])});
    }
    return OkStatus();
  }));
  return checkpoints;
}

Result<std::int64_t> DeleteAudit(SqlDatabase& db, std::int64_t through_seq) {
  std::int64_t deleted = 0;
  const std::array<SqlValue, 1> params{through_seq};
  CITADEL_TRY(db.Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(deleted,
                             session.Execute("DELETE FROM audit_records WHERE seq <= ?", params));
    return session.Execute("DELETE FROM audit_checkpoints WHERE seq < ?", params).status();
  }));
  return deleted;
}

}  // namespace citadel::store
