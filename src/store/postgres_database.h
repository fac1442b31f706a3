// PostgresDatabase: the SqlDatabase for several replicas sharing one
// PostgreSQL database, over libpq.
//
// The URL (postgres://USER:PASS@HOST:PORT/DB?sslmode=...&...) goes to libpq
// whole, so sslmode, sslrootcert, connect_timeout, options and the rest mean
// what libpq's documentation says. Statements run on a small pool of
// connections (PostgresPool). Transactions are READ COMMITTED; every write
// in the store is a single-row statement or takes its row locks in one order
// (the auth epoch row last), so two never deadlock.
//
// Reconnecting: when the server restarts, pooled connections break. A
// statement that fails because its connection broke is retried once on a
// new connection when that is safe: always for Read, and for Transact when
// the failure came before COMMIT was sent (nothing was committed). When the
// connection breaks during COMMIT the outcome is unknown and the call
// returns Unavailable saying so, never a retry that could apply it twice.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/postgres_auth_listener.h"
#include "store/postgres_pool.h"
#include "store/sql_database.h"

namespace citadel::store {

class PostgresDatabase final : public SqlDatabase {
 public:
  // Connects once (so a wrong URL, password or sslmode fails here, with
  // libpq's reason and the URL's password hidden): Unavailable otherwise.
  static Result<std::unique_ptr<PostgresDatabase>> Open(const std::string& url, int pool_size = 4);
  ~PostgresDatabase() override;

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  Status Transact(const std::function<Status(SqlSession&)>& body) override;
  Status Read(const std::function<Status(SqlSession&)>& body) override;
  // From the LISTEN/NOTIFY thread, started on the first call (after the
  // store migrated the schema it reads); nullopt while it is not listening.
  std::optional<std::int64_t> WatchedAuthEpoch() const override;
  std::vector<std::string> AuthChangeStatements() const override;

 private:
  class Session;
  explicit PostgresDatabase(PostgresTarget target, int pool_size);
  // One attempt; `committing` is set once COMMIT was sent.
  Status TransactOnce(pg_conn* connection, const std::function<Status(SqlSession&)>& body,
                      bool& committing);

  PostgresPool pool_;
  mutable std::once_flag listener_started_;
  mutable std::unique_ptr<PostgresAuthListener> listener_;
};

}  // namespace citadel::store
