// SqliteDatabase: the embedded SqlDatabase, one SQLite file in WAL mode.
//
// Open() sets journal_mode=WAL (readers never block the writer),
// synchronous=FULL (a commit that returned survives a crash of the process
// or the machine), a busy timeout (another process writing the same file is
// waited for, then Unavailable) and foreign_keys=ON. Write transactions are
// BEGIN IMMEDIATE, so two writers never deadlock on a lock upgrade.
//
// Thread-safe: one connection behind a mutex; prepared statements are cached
// per SQL text for the connection's life.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/sql_database.h"

struct sqlite3;
struct sqlite3_stmt;

namespace citadel::store {

class SqliteDatabase final : public SqlDatabase {
 public:
  // Opens (creating when absent) the file at `path`. DataLoss for a file
  // that is not an SQLite database or is corrupt; FailedPrecondition for a
  // file or folder this process may not write; Unavailable when it stays
  // locked for longer than `busy_timeout_ms`.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      int busy_timeout_ms = 5000);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  Status Transact(const std::function<Status(SqlSession&)>& body) override;
  Status Read(const std::function<Status(SqlSession&)>& body) override;

  const std::string& path() const { return path_; }

 private:
  class Session;
  SqliteDatabase(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const char* sql);
  // The cached statement for `sql`, reset and with its bindings cleared.
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  Status Error(int rc, std::string_view what) const;

  const std::string path_;
  std::mutex mutex_;  // guards db_ and statements_
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace citadel::store
