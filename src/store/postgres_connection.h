// One libpq connection and one statement on it: the small layer the
// PostgreSQL pool, database and listener share. libpq stays out of every
// other header (pg_conn is only forward-declared here).
//
// Statements are written with `?` placeholders (as for SQLite) and rewritten
// to $1, $2, ... here; values always travel as bound parameters
// (PQexecParams), never inside the SQL text. Results come back in text
// format and are read into SqlValue: integer columns (int2/int4/int8) as
// int64, NULL as nullptr, everything else as text.
//
// Thread-compatible: a connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql_database.h"
#include "util/status.h"

struct pg_conn;

namespace citadel::store {

// Where a connection goes: the URL as given (handed to libpq whole, so
// sslmode, connect_timeout and every other parameter are honoured) and the
// same URL with its password hidden, for messages.
struct PostgresTarget {
  std::string url;
  std::string redacted_url;
};

// Opens a connection (client_encoding UTF8, connect_timeout 10 s unless the
// URL sets one; `retry_timeout_s` > 0 replaces even the URL's, for a caller
// that retries on its own). Server notices are dropped, not printed.
// Unavailable naming the redacted URL and libpq's reason.
Result<pg_conn*> ConnectPostgres(const PostgresTarget& target, int retry_timeout_s = 0);
void ClosePostgres(pg_conn* connection);
// False once libpq has seen the connection break.
bool PostgresConnectionOk(pg_conn* connection);
// True when the connection is outside any transaction.
bool PostgresConnectionIdle(pg_conn* connection);
// True inside a transaction that a failed statement aborted.
bool PostgresTransactionFailed(pg_conn* connection);

// "SELECT a FROM t WHERE b = ? AND c = '?'" -> "... b = $1 AND c = '?'".
// Question marks inside quoted literals and identifiers stay as they are.
std::string ToDollarPlaceholders(std::string_view sql);

// Runs one statement. `changed`, when given, receives the number of rows
// the statement changed. Errors map SQLSTATE classes to Store codes:
// unique violation AlreadyExists, foreign key NotFound, other constraint and
// data errors InvalidArgument, a lost or refused connection Unavailable,
// insufficient privilege PermissionDenied, insufficient resources
// ResourceExhausted, anything else Internal. Messages carry the server's
// primary message only (its DETAIL may quote row values, secrets included).
Result<std::vector<SqlRow>> RunPostgres(pg_conn* connection, const PostgresTarget& target,
                                        std::string_view sql, std::span<const SqlValue> params,
                                        std::int64_t* changed = nullptr);

}  // namespace citadel::store
