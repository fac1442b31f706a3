// PostgresPool: a small pool of libpq connections to one database.
//
// Acquire() hands out an idle connection, opens a new one while fewer than
// `max_connections` exist, or waits (up to `acquire_timeout_ms`, then
// Unavailable) for one to come back. A connection that broke (the server
// restarted, the network dropped) is closed when it comes back, and the
// idle ones are closed with it: they were opened to the same server and
// would fail the same way on their next statement.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "store/postgres_connection.h"
#include "util/status.h"

namespace citadel::store {

class PostgresPool {
 public:
  // Borrows one connection; gives it back when destroyed.
  class Lease {
   public:
    Lease(PostgresPool& pool, pg_conn* connection) : pool_(&pool), connection_(connection) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), connection_(std::exchange(other.connection_, nullptr)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->Return(connection_);
    }
    pg_conn* get() const { return connection_; }

   private:
    PostgresPool* pool_;
    pg_conn* connection_;
  };

  PostgresPool(PostgresTarget target, int max_connections, std::int64_t acquire_timeout_ms = 30000)
      : target_(std::move(target)),
        max_connections_(max_connections < 1 ? 1 : max_connections),
        acquire_timeout_ms_(acquire_timeout_ms) {}
  ~PostgresPool();
  PostgresPool(const PostgresPool&) = delete;
  PostgresPool& operator=(const PostgresPool&) = delete;

  Result<Lease> Acquire();
  const PostgresTarget& target() const { return target_; }

 private:
  void Return(pg_conn* connection);

  const PostgresTarget target_;
  const int max_connections_;
  const std::int64_t acquire_timeout_ms_;
  std::mutex mutex_;  // guards idle_ and open_
  std::condition_variable returned_;
  std::vector<pg_conn*> idle_;
  int open_ = 0;  // idle, leased, and being opened
};

}  // namespace citadel::store
