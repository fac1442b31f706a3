#include "store/postgres_database.h"

#include "store/store_url.h"

namespace citadel::store {

class PostgresDatabase::Session final : public SqlSession {
 public:
  Session(pg_conn* connection, const PostgresTarget& target)
      : connection_(connection), target_(target) {}

  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    std::span<const SqlValue> params) override {
    return RunPostgres(connection_, target_, sql, params);
  }

  Result<std::int64_t> Execute(std::string_view sql, std::span<const SqlValue> params) override {
    std::int64_t changed = 0;
    CITADEL_TRY(RunPostgres(connection_, target_, sql, params, &changed).status());
    return changed;
  }

 private:
  pg_conn* connection_;
  const PostgresTarget& target_;
};

PostgresDatabase::PostgresDatabase(PostgresTarget target, int pool_size)
    : pool_(std::move(target), pool_size) {}

PostgresDatabase::~PostgresDatabase() {
  listener_.reset();  // its thread stops before the pool goes
}

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(const std::string& url,
                                                                 int pool_size) {
  std::unique_ptr<PostgresDatabase> db(
      new PostgresDatabase(PostgresTarget{url, RedactStoreUrl(url)}, pool_size));
  CITADEL_ASSIGN_OR_RETURN(PostgresPool::Lease first, db->pool_.Acquire());
  (void)first;  // connected: the URL, credentials and TLS settings work
  return db;
}

Status PostgresDatabase::TransactOnce(pg_conn* connection,
                                      const std::function<Status(SqlSession&)>& body,
                                      bool& committing) {
  Session session(connection, pool_.target());
  CITADEL_TRY(session.Execute("BEGIN", {}).status());
  Status status = body(session);
  if (status.ok() && PostgresTransactionFailed(connection)) {
    // COMMIT would answer ROLLBACK without an error: say so instead.
    status = InternalError(
        "a statement failed inside a PostgreSQL transaction and its error "
        "was not returned; the transaction was rolled back");
  }
  if (status.ok()) {
    committing = true;
    return session.Execute("COMMIT", {}).status();
  }
  if (PostgresConnectionOk(connection)) (void)session.Execute("ROLLBACK", {});
  return status;
}

Status PostgresDatabase::Transact(const std::function<Status(SqlSession&)>& body) {
  for (int attempt = 0;; ++attempt) {
    CITADEL_ASSIGN_OR_RETURN(PostgresPool::Lease lease, pool_.Acquire());
    bool committing = false;
    Status status = TransactOnce(lease.get(), body, committing);
    if (status.ok() || PostgresConnectionOk(lease.get())) return status;
    if (committing) {
      return UnavailableError("PostgreSQL at " + pool_.target().redacted_url +
                              ": the connection broke during COMMIT, so the change may or may "
                              "not have been applied (" +
                              status.message() + ")");
    }
    // Broken before COMMIT was sent: nothing was applied, so one retry on a new connection.
    if (attempt > 0) return status;
  }
}

Status PostgresDatabase::Read(const std::function<Status(SqlSession&)>& body) {
  for (int attempt = 0;; ++attempt) {
    CITADEL_ASSIGN_OR_RETURN(PostgresPool::Lease lease, pool_.Acquire());
    Session session(lease.get(), pool_.target());
    Status status = body(session);
    if (status.ok() || PostgresConnectionOk(lease.get()) || attempt > 0) return status;
  }
}

std::optional<std::int64_t> PostgresDatabase::WatchedAuthEpoch() const {
  std::call_once(listener_started_,
                 [&] { listener_ = std::make_unique<PostgresAuthListener>(pool_.target()); });
  return listener_->epoch();
}

std::vector<std::string> PostgresDatabase::AuthChangeStatements() const {
  return {PostgresAuthListener::NotifyStatement()};
}

}  // namespace citadel::store
