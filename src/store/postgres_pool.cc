#include "store/postgres_pool.h"

#include <chrono>

namespace citadel::store {

PostgresPool::~PostgresPool() {
  std::lock_guard lock(mutex_);
  for (pg_conn* connection : idle_) ClosePostgres(connection);
  idle_.clear();
}

Result<PostgresPool::Lease> PostgresPool::Acquire() {
  {
    std::unique_lock lock(mutex_);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(acquire_timeout_ms_);
    const bool available = returned_.wait_until(
        lock, deadline, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!available) {
      return UnavailableError("PostgreSQL at " + target_.redacted_url + ": all " +
                              std::to_string(max_connections_) + " pooled connections stayed busy");
    }
    if (!idle_.empty()) {
      pg_conn* connection = idle_.back();
      idle_.pop_back();
      return Lease(*this, connection);
    }
    ++open_;  // reserved while connecting, outside the lock
  }
  Result<pg_conn*> connection = ConnectPostgres(target_);
  if (!connection.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return connection.status();
  }
  return Lease(*this, *connection);
}

void PostgresPool::Return(pg_conn* connection) {
  std::vector<pg_conn*> closing;
  {
    std::lock_guard lock(mutex_);
    if (!PostgresConnectionOk(connection)) {
      closing.swap(idle_);  // opened to the same server: they would fail next
    } else if (PostgresConnectionIdle(connection)) {
      idle_.push_back(connection);
      connection = nullptr;
    }
    if (connection != nullptr) closing.push_back(connection);
    open_ -= static_cast<int>(closing.size());
  }
  returned_.notify_all();
  for (pg_conn* broken : closing) ClosePostgres(broken);
}

}  // namespace citadel::store
