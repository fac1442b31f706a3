// SqlDatabase: the small SQL seam under SqlStore. SQLite and PostgreSQL each
// implement it once (a connection, statements, error mapping); the queries
// themselves are written once in SqlStore and the migrations.
//
// SQL text uses `?` placeholders in both dialects (PostgreSQL's backend
// rewrites them to $1, $2, ...); values are bound, never spliced into text.
// A statement's result is every row, each a vector of SqlValue: NULL, a
// 64-bit integer (integer columns) or text.
//
// A body may run twice: PostgreSQL runs it once more on a new connection
// when the first one broke before COMMIT was sent (nothing of the first run
// was applied). So a body sets its outputs by assignment (or clears what it
// appends to first) and has no effects outside its session.
//
// Thread-safe: Transact and Read may be called from any thread; each runs
// its function on one connection that no other thread uses meanwhile.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/status.h"

namespace citadel::store {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
using SqlRow = std::vector<SqlValue>;

enum class SqlDialect { kSqlite, kPostgres };

// One connection, inside a transaction (Transact) or not (Read).
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  // Runs one statement; returns its rows (empty for statements without any).
  virtual Result<std::vector<SqlRow>> Query(std::string_view sql,
                                            std::span<const SqlValue> params = {}) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual Result<std::int64_t> Execute(std::string_view sql,
                                       std::span<const SqlValue> params = {}) = 0;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs `body` in one write transaction: committed when it returns OK,
  // rolled back otherwise (its Status is returned).
  virtual Status Transact(const std::function<Status(SqlSession&)>& body) = 0;
  // Runs `body` on a connection for reads (one consistent snapshot per
  // statement at least).
  virtual Status Read(const std::function<Status(SqlSession&)>& body) = 0;
  // A change counter the database keeps up to date by itself (PostgreSQL's
  // LISTEN/NOTIFY), or nullopt when the caller must poll the meta table.
  virtual std::optional<std::int64_t> WatchedAuthEpoch() const { return std::nullopt; }
  // Statements a transaction that changes authentication runs after its
  // changes, so other processes hear of it (PostgreSQL: NOTIFY).
  virtual std::vector<std::string> AuthChangeStatements() const { return {}; }
};

// Typed reads of one SqlValue; a programmer error when the type is wrong
// (asserts), except that NULL reads as 0 / "" / nullopt.
std::int64_t AsInt(const SqlValue& value);
std::optional<std::int64_t> AsOptionalInt(const SqlValue& value);
std::string AsText(const SqlValue& value);
SqlValue OptionalInt(const std::optional<std::int64_t>& value);

}  // namespace citadel::store
