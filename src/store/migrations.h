// Versioned schema migrations, the same for SQLite and PostgreSQL.
//
// The database keeps its schema version in citadel_meta ('schema_version').
// Migrate() brings a database at any earlier version (0: empty) to the
// target in one transaction, so a crash leaves it at the old version or the
// new one, never between. A database whose version is newer than this
// binary knows is refused (FailedPrecondition) and left untouched.
//
// History (never edit a shipped step; add a new one):
//   1  citadel_meta, users, api_keys
//   2  api_keys: per-key limits (rpm, tpm, streams) and last-used client IP
//   3  conversations
//   4  audit_records, audit_checkpoints (issue 17)
//
// Thread-safe as the SqlDatabase is; on PostgreSQL, replicas starting at
// once serialise on an advisory lock.
#pragma once

#include "store/sql_database.h"
#include "util/status.h"

namespace citadel::store {

inline constexpr int kCurrentSchemaVersion = 4;

// Returns the version the database is at afterwards (`target_version`, or
// the database's own when it was already further).
// InvalidArgument for a target outside [1, kCurrentSchemaVersion].
Result<int> Migrate(SqlDatabase& db, int target_version = kCurrentSchemaVersion);

}  // namespace citadel::store
