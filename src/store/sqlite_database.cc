#include "store/sqlite_database.h"

#include <sqlite3.h>

#include <cassert>

namespace citadel::store {

class SqliteDatabase::Session final : public SqlSession {
 public:
  explicit Session(SqliteDatabase& db) : db_(db) {}

  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    std::span<const SqlValue> params) override {
    CITADEL_ASSIGN_OR_RETURN(sqlite3_stmt * statement, Bind(sql, params));
    std::vector<SqlRow> rows;
    for (;;) {
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return db_.Error(rc, sql);
      rows.push_back(ReadRow(statement));
    }
    sqlite3_reset(statement);
    return rows;
  }

  Result<std::int64_t> Execute(std::string_view sql, std::span<const SqlValue> params) override {
    CITADEL_ASSIGN_OR_RETURN(sqlite3_stmt * statement, Bind(sql, params));
    int rc = sqlite3_step(statement);
    while (rc == SQLITE_ROW) rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE) return db_.Error(rc, sql);
    return static_cast<std::int64_t>(sqlite3_changes64(db_.db_));
  }

 private:
  Result<sqlite3_stmt*> Bind(std::string_view sql, std::span<const SqlValue> params) {
    CITADEL_ASSIGN_OR_RETURN(sqlite3_stmt * statement, db_.Prepare(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(statement, index, *number);
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        // SQLITE_STATIC: `params` outlives the statement's use.
        rc = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(statement, index);
      }
      if (rc != SQLITE_OK) return db_.Error(rc, sql);
    }
    return statement;
  }

  static SqlRow ReadRow(sqlite3_stmt* statement) {
    const int columns = sqlite3_column_count(statement);
    SqlRow row;
    row.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(statement, c)) {
        case SQLITE_NULL:
          row.emplace_back(nullptr);
          break;
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(statement, c)));
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
          row.emplace_back(std::string(text == nullptr ? "" : text,
                                       static_cast<size_t>(sqlite3_column_bytes(statement, c))));
        }
      }
    }
    return row;
  }

  SqliteDatabase& db_;
};

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path, handle));
  if (rc != SQLITE_OK) return db->Error(rc, "open");
  if (sqlite3_db_readonly(handle, "main") == 1) {
    return FailedPreconditionError("store file " + path +
                                   " is read-only: citadel must be able to write it (check its "
                                   "owner and permissions)");
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  // The first statement reads the file header: a file that is not a database fails here.
  CITADEL_TRY(db->Exec("PRAGMA journal_mode = WAL"));
  CITADEL_TRY(db->Exec("PRAGMA synchronous = FULL"));
  CITADEL_TRY(db->Exec("PRAGMA foreign_keys = ON"));
  CITADEL_TRY(db->Exec("SELECT count(*) FROM sqlite_master"));
  return db;
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

Status SqliteDatabase::Error(int rc, std::string_view what) const {
  const std::string detail = std::string(sqlite3_errstr(rc)) +
                             (db_ != nullptr ? std::string(": ") + sqlite3_errmsg(db_) : "");
  const std::string where = "store file " + path_ + ": ";
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExistsError(detail);
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return NotFoundError(detail);
      return InvalidArgumentError(detail);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return DataLossError(where + "not a valid SQLite database or damaged (" + detail + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(where + "stayed locked by another writer (" + detail + ")");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return FailedPreconditionError(where + "cannot be opened for writing (" + detail +
                                     "); check the file, its folder and their permissions");
    case SQLITE_FULL:
      return ResourceExhaustedError(where + detail);
    case SQLITE_IOERR:
      return UnavailableError(where + "I/O error (" + detail + ")");
    default:
      return InternalError(where + std::string(what.substr(0, 80)) + ": " + detail);
  }
}

Status SqliteDatabase::Exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  sqlite3_free(message);
  return rc == SQLITE_OK ? OkStatus() : Error(rc, sql);
}

Result<sqlite3_stmt*> SqliteDatabase::Prepare(std::string_view sql) {
  auto found = statements_.find(std::string(sql));
  if (found != statements_.end()) {
    sqlite3_reset(found->second);
    sqlite3_clear_bindings(found->second);
    return found->second;
  }
  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) return Error(rc, sql);
  statements_.emplace(std::string(sql), statement);
  return statement;
}

Status SqliteDatabase::Transact(const std::function<Status(SqlSession&)>& body) {
  std::lock_guard lock(mutex_);
  CITADEL_TRY(Exec("BEGIN IMMEDIATE"));
  Session session(*this);
  Status status = body(session);
  if (status.ok()) {
    status = Exec("COMMIT");
    if (status.ok()) return status;
  }
  // Statements still stepping would keep the transaction open.
  for (auto& [sql, statement] : statements_) sqlite3_reset(statement);
  if (sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
  return status;
}

Status SqliteDatabase::Read(const std::function<Status(SqlSession&)>& body) {
  std::lock_guard lock(mutex_);
  Session session(*this);
  return body(session);
}

}  // namespace citadel::store
