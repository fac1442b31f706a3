// PostgresAuthListener: keeps this process's copy of the auth epoch in step
// with the database without a round trip per check.
//
// A change that affects authentication (a key revoked, a user disabled)
// bumps citadel_meta.auth_epoch and, in the same transaction, sends
// NOTIFY citadel_auth with the new value (PostgreSQL delivers it at commit,
// to every session of every replica that listens on that database). The
// listener's own connection LISTENs, reads the current value after each
// (re)connect, and takes the largest value it has heard.
//
// While its connection is down (the server restarting) epoch() is nullopt
// and the caller falls back to reading the table itself; after a reconnect
// the value is read afresh, so nothing committed meanwhile is missed.
//
// Thread-safe: epoch() may be called from any thread; one thread of its own
// waits on the socket (and on an eventfd that stops it).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "store/postgres_connection.h"

namespace citadel::store {

class PostgresAuthListener {
 public:
  static constexpr const char* kChannel = "citadel_auth";
  // The statement a transaction runs after bumping the epoch.
  static std::string NotifyStatement();

  explicit PostgresAuthListener(PostgresTarget target);
  ~PostgresAuthListener();  // stops the thread and closes its connection
  PostgresAuthListener(const PostgresAuthListener&) = delete;
  PostgresAuthListener& operator=(const PostgresAuthListener&) = delete;

  std::optional<std::int64_t> epoch() const;

 private:
  void Run();
  // Connects, listens and reads notifications until the connection breaks
  // or the listener stops.
  void ListenOnce();
  // Waits for the socket (or -1: only the stop signal) up to `timeout_ms`;
  // false when stopping.
  bool Wait(int socket, int timeout_ms) const;
  void Advance(std::int64_t value);

  const PostgresTarget target_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<std::int64_t> epoch_{0};
  std::thread thread_;
};

}  // namespace citadel::store
