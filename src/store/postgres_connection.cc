#include "store/postgres_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <memory>

namespace citadel::store {
namespace {

// Type OIDs from catalog/pg_type.h (a server header); fixed since PostgreSQL 7.
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Status ErrorFor(const PGresult* result, pg_conn* connection, const PostgresTarget& target) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary =
      result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string message =
      primary != nullptr ? std::string(primary) : Trimmed(PQerrorMessage(connection));
  const std::string sqlstate = state == nullptr ? "" : state;
  const std::string where = "PostgreSQL at " + target.redacted_url + ": ";
  if (PQstatus(connection) != CONNECTION_OK || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P")) {
    return UnavailableError(where + "connection lost or refused (" + message + ")");
  }
  if (sqlstate == "23505") return AlreadyExistsError(message);
  if (sqlstate == "23503") return NotFoundError(message);
  if (sqlstate.starts_with("23") || sqlstate.starts_with("22")) {
    return InvalidArgumentError(message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    return UnavailableError(where + "transaction conflict, try again (" + message + ")");
  }
  if (sqlstate == "42501") return PermissionDeniedError(where + message);
  if (sqlstate.starts_with("53")) return ResourceExhaustedError(where + message);
  return InternalError(where + message + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"));
}

SqlValue ReadField(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column) == 1) return nullptr;
  const char* text = PQgetvalue(result, row, column);
  const auto length = static_cast<size_t>(PQgetlength(result, row, column));
  const Oid type = PQftype(result, column);
  if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
    std::int64_t number = 0;
    std::from_chars(text, text + length, number);
    return number;
  }
  return std::string(text, length);
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

Result<pg_conn*> ConnectPostgres(const PostgresTarget& target, int retry_timeout_s) {
  // The URL comes after the defaults, so every parameter it sets overrides them.
  const std::string retry_timeout = std::to_string(retry_timeout_s);
  const char* keywords[] = {"client_encoding",
                            "connect_timeout",
                            "fallback_application_name",
                            "dbname",
                            retry_timeout_s > 0 ? "connect_timeout" : nullptr,
                            nullptr};
  const char* values[] = {"UTF8", "10", "citadel", target.url.c_str(), retry_timeout.c_str(),
                          nullptr};
  pg_conn* connection = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection == nullptr) {
    return ResourceExhaustedError("PostgreSQL at " + target.redacted_url +
                                  ": out of memory opening a connection");
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string reason = Trimmed(PQerrorMessage(connection));
    PQfinish(connection);
    return UnavailableError("cannot connect to PostgreSQL at " + target.redacted_url + ": " +
                            reason);
  }
  // A server shutting down sends FATAL to idle sessions; the next statement reports it.
  PQsetNoticeProcessor(connection, IgnoreNotice, nullptr);
  return connection;
}

void ClosePostgres(pg_conn* connection) {
  if (connection != nullptr) PQfinish(connection);
}

bool PostgresConnectionOk(pg_conn* connection) {
  return PQstatus(connection) == CONNECTION_OK;
}

bool PostgresConnectionIdle(pg_conn* connection) {
  return PQtransactionStatus(connection) == PQTRANS_IDLE;
}

bool PostgresTransactionFailed(pg_conn* connection) {
  return PQtransactionStatus(connection) == PQTRANS_INERROR;
}

std::string ToDollarPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  char quote = 0;  // ' or " while inside a literal or a quoted identifier
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote reopens on the next character
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(next++);
      continue;
    }
    out += c;
  }
  return out;
}

Result<std::vector<SqlRow>> RunPostgres(pg_conn* connection, const PostgresTarget& target,
                                        std::string_view sql, std::span<const SqlValue> params,
                                        std::int64_t* changed) {
  const std::string text = ToDollarPlaceholders(sql);
  std::vector<std::string> numbers(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  std::vector<Oid> types(params.size(), 0);  // 0: the server infers (NULL)
  for (size_t i = 0; i < params.size(); ++i) {
    if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
      numbers[i] = std::to_string(*number);
      values[i] = numbers[i].c_str();
      types[i] = kInt8Oid;
    } else if (const auto* string = std::get_if<std::string>(&params[i])) {
      values[i] = string->c_str();  // the store refuses NUL bytes before they get here
      types[i] = kTextOid;
    }
  }
  ResultPtr result(PQexecParams(connection, text.c_str(), static_cast<int>(params.size()),
                                types.data(), values.data(), nullptr, nullptr, /*text*/ 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return ErrorFor(result.get(), connection, target);
  }
  if (changed != nullptr) {
    const char* tuples = PQcmdTuples(result.get());
    *changed = 0;
    std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), *changed);
  }
  std::vector<SqlRow> rows;
  const int row_count = PQntuples(result.get());
  const int column_count = PQnfields(result.get());
  rows.reserve(static_cast<size_t>(row_count));
  for (int r = 0; r < row_count; ++r) {
    SqlRow row;
    row.reserve(static_cast<size_t>(column_count));
    for (int c = 0; c < column_count; ++c) row.push_back(ReadField(result.get(), r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace citadel::store
